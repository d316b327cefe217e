#!/bin/bash
# Runs every test suite against BUILD_DIR and ends with exactly one line "N passed, N failed" (the sums).
#   layers, format       the source tree: includes run one way (tests/check-layers.py), clang-format clean
#                        (tests/check-format.sh)
#   $BUILD/unit_tests    CppUTest, pure core and encoders
#   $BUILD/kernel_tests  CppUTest against the real kernel in a private network namespace (root)
#   tests/integration    pytest (Debian's python3-pytest): namespaces, FRR, gobgpd, real servers (root)
#   tests/clab           pytest through images/clab/run_lab.py: the two-site lab in containers (docker engine)
#   fuzz                 each libFuzzer target (FUZZ_BUILD, default build-fuzz) for FUZZ_SECONDS (default 20)
#   asan-*               the sanitized build (ASAN_BUILD, default build-asan): unit_tests, kernel_tests and the
#                        integration files in ASAN_INTEGRATION against the sanitized anycastd
#   soak                 only when named: tests/soak, the fault-injection scenarios repeated SOAK_ITERATIONS
#                        times and bigger (`make soak`)
# `--suites a,b,...` runs only the named suites (layers format unit_tests kernel_tests integration lab fuzz asan-unit_tests
# asan-kernel_tests asan-integration soak); `make sanitize` runs the asan-* ones with the whole integration
# suite, `make soak` the soak suite, the fuzzers for longer and the sanitized suites.
# Each suite's own output is shown as it runs. A missing binary, a crash without a summary, and skipped
# integration tests all count as failures. Exit status: 0 only when nothing failed.
set -u

ONLY=""
if [ "${1:-}" = "--suites" ] && [ $# -ge 2 ]; then
  ONLY=",$2,"
  shift 2
fi
if [ $# -ne 1 ]; then
  echo "usage: tests/run-all.sh [--suites NAME,...] BUILD_DIR" >&2
  echo "0 passed, 1 failed"
  exit 2
fi
if ! BUILD=$(cd "$1" 2>/dev/null && pwd); then
  echo "run-all: no build directory '$1'" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
cd "$(dirname "$0")/.." || exit 1
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
# A representative part of the integration suite against the sanitized daemon (the whole of it: make sanitize).
# ~2.5 min: the control socket, reload, fast failure (netlink events) and zebra mode (the ZAPI session).
ASAN_INTEGRATION=${ASAN_INTEGRATION:-tests/integration/test_control.py tests/integration/test_reload.py
  tests/integration/test_fast_failure.py tests/integration/test_zebra_mode.py}

TMP=$(mktemp -d /tmp/anycastd-run-all.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
summary=""

note() {  # suite passed failed [remark]
  passed=$((passed + $2))
  failed=$((failed + $3))
  summary="$summary$(printf '  %-18s passed=%d failed=%d%s' "$1:" "$2" "$3" "${4:+ ($4)}")"$'\n'
}

wanted() {  # suite name
  [ -z "$ONLY" ] || [[ "$ONLY" == *",$1,"* ]]
}

# CppUTest prints "OK (N tests, N ran, ...)" or "Errors (F failures, N tests, N ran, ...)".
run_cpputest() {  # name binary
  local name=$1 bin=$2 out="$TMP/$1.out" rc line ran fails
  wanted "$name" || return
  echo "==== $name: $bin"
  if [ ! -x "$bin" ]; then
    echo "run-all: $bin is missing (build it with: make $bin)"
    note "$name" 0 1 "binary missing"
    return
  fi
  "$bin" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^(OK|Errors) \(' "$out" | tail -n 1)
  if [ -z "$line" ]; then
    note "$name" 0 1 "no CppUTest summary, exit status $rc"
    return
  fi
  ran=$(sed -nE 's/.* ([0-9]+) ran.*/\1/p' <<<"$line")
  fails=$(sed -nE 's/^Errors \(([0-9]+) failures?.*/\1/p' <<<"$line")
  fails=${fails:-0}
  ran=${ran:-0}
  if [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
    note "$name" "$ran" 1 "exit status $rc despite: $line"
    return
  fi
  note "$name" $((ran - fails)) "$fails"
}

run_pytest() {  # name anycastd command... (the command gets --junitxml=FILE appended)
  local name=$1 anycastd=$2 xml="$TMP/$1.xml" rc counts
  shift 2
  wanted "$name" || return
  echo "==== $name: $*"
  ANYCASTD="$anycastd" "$@" --junitxml="$xml"
  rc=$?
  if [ ! -s "$xml" ]; then
    note "$name" 0 1 "pytest exit status $rc, no report"
    return
  fi
  # passed, failed (failures + errors + skipped)
  counts=$(/usr/bin/python3 - "$xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tot = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
bad = tot["failures"] + tot["errors"] + tot["skipped"]
print(tot["tests"] - bad, bad, tot["skipped"])
EOF
  ) || { note "$name" 0 1 "unreadable report"; return; }
  read -r p f s <<<"$counts"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    note "$name" "$p" 1 "pytest exit status $rc"
    return
  fi
  note "$name" "$p" "$f" "$( [ "$s" -gt 0 ] && echo "$s skipped, counted as failed")"
}

# One pass or failure per fuzz target (tests/fuzz/run-fuzzers.sh ends with "N passed, N failed").
run_fuzzers() {
  local out="$TMP/fuzz.out" line
  wanted fuzz || return
  echo "==== fuzz: tests/fuzz/run-fuzzers.sh $FUZZ_BUILD $FUZZ_SECONDS"
  tests/fuzz/run-fuzzers.sh "$FUZZ_BUILD" "$FUZZ_SECONDS" 2>&1 | tee "$out"
  line=$(tail -n 1 "$out")
  if [[ ! "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    note fuzz 0 1 "no summary from run-fuzzers.sh"
    return
  fi
  note fuzz "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
}

# One pass or failure per source-tree check: the layers' include rule and the formatting.
run_check() {  # name command...
  local name=$1
  shift
  wanted "$name" || return
  echo "==== $name: $*"
  if "$@"; then note "$name" 1 0; else note "$name" 0 1; fi
}

run_check layers /usr/bin/python3 tests/check-layers.py
run_check format tests/check-format.sh
run_cpputest unit_tests "$BUILD/unit_tests"
run_cpputest kernel_tests "$BUILD/kernel_tests"
run_pytest integration "$BUILD/anycastd" /usr/bin/python3 -m pytest -q -rfEs -p no:cacheprovider tests/integration
# The two-site container lab (docker engine, images/clab; its tests: tests/clab): brings the lab up, runs its scenarios, removes it.
run_pytest lab "$BUILD/anycastd" /usr/bin/python3 images/clab/run_lab.py test -- -q -rfEs
run_fuzzers
# The sanitized build; a sanitizer report fails the test that caused it (tests/integration/conftest.py).
run_cpputest asan-unit_tests "$ASAN_BUILD/unit_tests"
run_cpputest asan-kernel_tests "$ASAN_BUILD/kernel_tests"
# shellcheck disable=SC2086
run_pytest asan-integration "$(cd "$ASAN_BUILD" 2>/dev/null && pwd || echo "$ASAN_BUILD")/anycastd" /usr/bin/python3 -m pytest -q -rfEs -p no:cacheprovider \
  $ASAN_INTEGRATION
if [[ "$ONLY" == *",soak,"* ]]; then
  run_pytest soak "$BUILD/anycastd" /usr/bin/python3 -m pytest -q -rfEs -p no:cacheprovider tests/soak
fi

if [ -n "$ONLY" ] && [ -z "$summary" ]; then
  note "--suites" 0 1 "no suite named in '${ONLY:1:-1}'"
fi

echo "==== summary"
printf '%s' "$summary"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
