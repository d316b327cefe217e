# tests/: unit tests (CppUTest, pure core and encoders), kernel tests (CppUTest in a private network
# namespace, real kernel, root), integration tests (pytest, namespaces + FRR + real servers, root).
CPPUTEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags cpputest 2>/dev/null) -DCPPUTEST_MEM_LEAK_DETECTION_DISABLED
CPPUTEST_LIBS := $(shell $(PKG_CONFIG) --libs cpputest 2>/dev/null)

UNIT_SRCS := $(wildcard tests/unit/*.cpp)
UNIT_OBJS := $(UNIT_SRCS:%.cpp=$(BUILD)/%.o)
KERNEL_TEST_SRCS := $(wildcard tests/kernel/*.cpp)
KERNEL_TEST_OBJS := $(KERNEL_TEST_SRCS:%.cpp=$(BUILD)/%.o)

$(UNIT_OBJS) $(KERNEL_TEST_OBJS): CPPFLAGS += $(CPPUTEST_CFLAGS)

$(BUILD)/unit_tests: $(UNIT_OBJS) $(DAEMON_OBJS) $(CTL_OBJS)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(CPPUTEST_LIBS)

$(BUILD)/kernel_tests: $(KERNEL_TEST_OBJS) $(DAEMON_OBJS)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(CPPUTEST_LIBS)

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

# `make test`: installs what is missing, builds (also the fuzz and sanitizer trees, tests/fuzz/module.mk), runs
# every suite and prints "N passed, N failed".
test: deps lab-deps
	$(MAKE) -j$$(nproc) all $(BUILD)/unit_tests $(BUILD)/kernel_tests fuzz-build sanitize-build
	tests/run-all.sh $(BUILD)

# `make soak` (not part of `make test`): the fault-injection scenarios repeated and bigger (tests/soak;
# SOAK_ITERATIONS, default 10, about 10 minutes), each fuzz target for FUZZ_SOAK_SECONDS (default 600) and
# the sanitized unit, kernel and whole integration suites. Ends with "N passed, N failed".
soak: deps lab-deps
	$(MAKE) -j$$(nproc) all $(BUILD)/unit_tests $(BUILD)/kernel_tests fuzz-build sanitize-build
	FUZZ_SECONDS=$(FUZZ_SOAK_SECONDS) ASAN_BUILD=$(ASAN_BUILD) ASAN_INTEGRATION="$(ASAN_INTEGRATION_ALL)" \
	  tests/run-all.sh --suites soak,fuzz,asan-unit_tests,asan-kernel_tests,asan-integration $(BUILD)

# The single-site demo on the namespace fabric (no docker): one leaf, a gobgpd spine, three servers.
demo-netns: deps
	$(MAKE) all
	/usr/bin/python3 tests/fabric/demo.py --anycastd $(BUILD)/anycastd
