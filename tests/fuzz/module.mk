# tests/fuzz/: libFuzzer targets, one file per decoder of outside input (NAME_fuzzer.cpp), each with a seed
# corpus in tests/fuzz/corpus/NAME/; and the sanitizer build (ASan + UBSan) of the daemon and the tests.
# Both build in their own tree through a sub-make of this Makefile with other compiler flags (every object
# must carry the instrumentation), so build/ stays the plain build.
#
#   make fuzz       clang -fsanitize=fuzzer,address,undefined into $(FUZZ_BUILD); runs each target for
#                   FUZZ_SECONDS (default 60); a crash fails and its input is kept (path printed)
#   make sanitize   g++ -fsanitize=address,undefined into $(ASAN_BUILD): anycastd, unit_tests, kernel_tests;
#                   runs those two and the integration suite (but packaging) against the sanitized anycastd
#   make soak       (tests/module.mk) runs the fuzzers for FUZZ_SOAK_SECONDS (default 600) each and the
#                   sanitized suites, besides tests/soak
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
FUZZ_CXX ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_SOAK_SECONDS ?= 600
# UBSan halts on the first report, so that a test or a fuzzer fails instead of printing and going on.
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Every integration file but test_packaging.py: it packages the binary under test, and a package of the
# sanitized one depends on libasan and libubsan, which its purge test rightly reports as left behind (the
# plain build's package is tested by `make test`).
ASAN_INTEGRATION_ALL := $(filter-out tests/integration/test_packaging.py,$(wildcard tests/integration/test_*.py))

FUZZ_SRCS := $(wildcard tests/fuzz/*_fuzzer.cpp)
FUZZ_NAMES := $(patsubst tests/fuzz/%_fuzzer.cpp,%,$(FUZZ_SRCS))
FUZZ_BINS = $(FUZZ_NAMES:%=$(BUILD)/fuzz/%_fuzzer)
FUZZ_COMMON_OBJS = $(BUILD)/tests/fuzz/fuzz_support.o

# Meaningful only inside the fuzz tree (make fuzz-build): libFuzzer supplies main().
$(BUILD)/fuzz/%_fuzzer: $(BUILD)/tests/fuzz/%_fuzzer.o $(FUZZ_COMMON_OBJS) $(DAEMON_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

.PHONY: fuzz fuzz-build fuzz-targets sanitize sanitize-build
fuzz-targets: $(FUZZ_BINS)

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CXX=$(FUZZ_CXX) CXXFLAGS="-O1 -g $(SANITIZE_FLAGS) -fsanitize=fuzzer-no-link" \
	  LDFLAGS="$(SANITIZE_FLAGS)" fuzz-targets

fuzz: deps
	$(MAKE) fuzz-build
	tests/fuzz/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

sanitize-build:
	$(MAKE) BUILD=$(ASAN_BUILD) CXXFLAGS="-O1 -g $(SANITIZE_FLAGS)" LDFLAGS="$(SANITIZE_FLAGS)" \
	  $(ASAN_BUILD)/anycastd $(ASAN_BUILD)/anycastctl $(ASAN_BUILD)/unit_tests $(ASAN_BUILD)/kernel_tests

sanitize: deps
	$(MAKE) sanitize-build
	ASAN_BUILD=$(ASAN_BUILD) ASAN_INTEGRATION="$(ASAN_INTEGRATION_ALL)" \
	  tests/run-all.sh --suites asan-unit_tests,asan-kernel_tests,asan-integration $(ASAN_BUILD)

# The control fuzzer reads examples/anycastd.conf from the source tree.
$(BUILD)/tests/fuzz/%.o: CPPFLAGS += -DANYCASTD_SOURCE_DIR='"$(CURDIR)"'
