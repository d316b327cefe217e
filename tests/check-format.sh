#!/bin/bash
# Checks that every C++ file of the project is formatted as .clang-format says (clang-format 14, Debian 12's
# clang-format package), so a change cannot bring in unformatted code. Prints each file that differs with
# the command that fixes it; exit status 1 if there is any. Byte tables that must keep their layout are
# fenced with `// clang-format off` / `// clang-format on`.
#   tests/check-format.sh [FILE...]   (default: every tracked .h/.cpp/.cc outside tests/fuzz/corpus)
set -u
cd "$(dirname "$0")/.." || exit 1
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null; then
  echo "check-format: $CLANG_FORMAT is not installed (Debian: apt-get install clang-format)"
  exit 1
fi
if [ $# -gt 0 ]; then
  files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.h' '*.cpp' '*.cc' | grep -v '^tests/fuzz/corpus/')
else
  mapfile -t files < <(find agent lib netlink platform tests -name '*.h' -o -name '*.cpp' -o -name '*.cc' |
    grep -v '^tests/fuzz/corpus/' | sort)
fi
bad=0
for f in "${files[@]}"; do
  if ! "$CLANG_FORMAT" --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "check-format: $f is not formatted: $CLANG_FORMAT -i $f"
    bad=$((bad + 1))
  fi
done
echo "check-format: ${#files[@]} files, $bad not formatted"
[ "$bad" -eq 0 ] && [ "${#files[@]}" -gt 0 ]
