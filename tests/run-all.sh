#!/bin/bash
# Runs every test suite against BUILD_DIR and ends with exactly one line "N passed, N failed" (the sums).
#   $BUILD/unit_tests    CppUTest, pure core and encoders
#   $BUILD/kernel_tests  CppUTest against the real kernel in a private network namespace (root)
#   tests/integration    pytest (Debian's python3-pytest): namespaces, FRR, gobgpd, real servers (root)
#   images/lab           pytest through images/lab/run_lab.py: the two-site lab in containers (docker engine)
# `tests/run-all.sh BUILD_DIR soak` runs only the soak suite instead (tests/soak: the fault-injection scenarios
# repeated SOAK_ITERATIONS times, bigger; `make soak`), counted the same way.
# Each suite's own output is shown as it runs. A missing binary, a crash without a summary, and skipped
# integration tests all count as failures. Exit status: 0 only when nothing failed.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ] || { [ $# -eq 2 ] && [ "$2" != soak ]; }; then
  echo "usage: tests/run-all.sh BUILD_DIR [soak]" >&2
  echo "0 passed, 1 failed"
  exit 2
fi
if ! BUILD=$(cd "$1" 2>/dev/null && pwd); then
  echo "run-all: no build directory '$1'" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
cd "$(dirname "$0")/.." || exit 1

TMP=$(mktemp -d /tmp/anycastd-run-all.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
summary=""

note() {  # suite passed failed [remark]
  passed=$((passed + $2))
  failed=$((failed + $3))
  summary="$summary$(printf '  %-14s passed=%d failed=%d%s' "$1:" "$2" "$3" "${4:+ ($4)}")"$'\n'
}

# CppUTest prints "OK (N tests, N ran, ...)" or "Errors (F failures, N tests, N ran, ...)".
run_cpputest() {  # name binary
  local name=$1 bin=$2 out="$TMP/$1.out" rc line ran fails
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

run_pytest() {  # name command... (the command gets --junitxml=FILE appended)
  local name=$1 xml="$TMP/$1.xml" rc counts
  shift
  echo "==== $name: $*"
  ANYCASTD="$BUILD/anycastd" "$@" --junitxml="$xml"
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

if [ "${2:-}" = soak ]; then
  run_pytest soak /usr/bin/python3 -m pytest -q -rfEs -p no:cacheprovider tests/soak
else
  run_cpputest unit_tests "$BUILD/unit_tests"
  run_cpputest kernel_tests "$BUILD/kernel_tests"
  run_pytest integration /usr/bin/python3 -m pytest -q -rfEs -p no:cacheprovider tests/integration
  # The two-site container lab (docker engine, images/lab): brings the lab up, runs its scenarios, removes it.
  run_pytest lab /usr/bin/python3 images/lab/run_lab.py test -- -q -rfEs
fi

echo "==== summary"
printf '%s' "$summary"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
