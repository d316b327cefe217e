# tests/bench/: `make bench` (issue 7), not part of `make test`. Installs the peers it compares with
# (BENCH_PKGS, through tests/install-deps.sh), builds anycastd and the bare epoll prober, runs every
# benchmark on the namespace fabric, prints the table and writes $(BUILD)/bench/results.txt and .json.
# BENCH_ARGS is passed to tests/bench/run.py, e.g. BENCH_ARGS="--only failover --quick".
BENCH_ARGS ?=
BENCH_PKGS := exabgp keepalived

$(BUILD)/bench/epoll_prober: tests/bench/epoll_prober.c
	@mkdir -p $(dir $@)
	$(CROSS_COMPILE)gcc -O2 -Wall -Wextra -o $@ $<

.PHONY: bench bench-deps
bench-deps: deps
	tests/install-deps.sh $(BENCH_PKGS)

bench: bench-deps
	$(MAKE) all $(BUILD)/bench/epoll_prober $(BUILD)/bench/program_rate
	/usr/bin/python3 tests/bench/run.py --anycastd $(BUILD)/anycastd --outdir $(BUILD)/bench $(BENCH_ARGS)

# The kernel-programming micro-benchmark links the daemon's own dataplane objects.
$(BUILD)/bench/program_rate: $(BUILD)/tests/bench/program_rate.o $(DAEMON_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)
