#!/bin/bash
# Runs every libFuzzer target (tests/fuzz/*_fuzzer.cpp, built by `make fuzz-build` into FUZZ_BUILD/fuzz/)
# for SECONDS each, one after the other, and ends with one line "N passed, N failed" (one per target).
#   usage: tests/fuzz/run-fuzzers.sh FUZZ_BUILD SECONDS
# Each target starts from its checked-in seeds (tests/fuzz/corpus/NAME/, and examples/ for the config
# parser) plus what earlier runs found (FUZZ_BUILD/fuzz/corpus/NAME/, where new inputs are kept). A target
# fails when it is missing, crashes, leaks, times out on one input or exceeds its memory; the input that did
# it is kept as FUZZ_BUILD/fuzz/crashes/NAME-* and its path printed (replay: FUZZ_BUILD/fuzz/NAME_fuzzer
# PATH). The full output of each run is in FUZZ_BUILD/fuzz/NAME.log.
set -u
if [ $# -ne 2 ]; then
  echo "usage: tests/fuzz/run-fuzzers.sh FUZZ_BUILD SECONDS" >&2
  echo "0 passed, 1 failed"
  exit 2
fi
cd "$(dirname "$0")/../.." || exit 1
BUILD=$1
SECONDS_EACH=$2
passed=0
failed=0
mkdir -p "$BUILD/fuzz/crashes"
for src in tests/fuzz/*_fuzzer.cpp; do
  name=$(basename "$src" _fuzzer.cpp)
  bin="$BUILD/fuzz/${name}_fuzzer"
  log="$BUILD/fuzz/$name.log"
  if [ ! -x "$bin" ]; then
    echo "fuzz $name: FAILED: $bin is missing (build it with: make fuzz-build)"
    failed=$((failed + 1))
    continue
  fi
  work="$BUILD/fuzz/corpus/$name"
  mkdir -p "$work"
  seeds=("tests/fuzz/corpus/$name")
  extra=()
  case $name in
    config) seeds+=(examples); extra=(-max_len=16384) ;;
    control) extra=(-max_len=8192) ;;
  esac
  # -close_fd_mask=2: the code under test logs to stderr; libFuzzer's and the sanitizers' reports still
  # come through.
  "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -close_fd_mask=2 -artifact_prefix="$BUILD/fuzz/crashes/$name-" "${extra[@]}" \
    "$work" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz $name: passed (${runs:-?} inputs in ${SECONDS_EACH}s, corpus $(ls "$work" | wc -l) new inputs)"
    passed=$((passed + 1))
  else
    echo "fuzz $name: FAILED (exit status $rc after ${runs:-?} inputs); log: $log"
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error)" "$log" | head -n 5 | sed 's/^/  /'
    artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)
    if [ -n "$artifact" ]; then
      echo "  crashing input kept: $artifact (replay: $bin $artifact)"
    else
      tail -n 20 "$log" | sed 's/^/  /'
    fi
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
