#!/bin/sh
# Runs cmocka test binaries, optionally under a wrapper (valgrind), and prints one
# closing line "N passed, N failed" over all of them. Exits non-zero if any failed.
#   tests/run.sh "<wrapper or empty>" test-binary...
wrapper=$1
shift
passed=0
failed=0
broken=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
    name=$(basename "$t")
    printf '== %s%s\n' "$name" "${wrapper:+ (under ${wrapper%% *})}"
    if $wrapper "$t" >"$log" 2>&1; then rc=0; else rc=$?; fi
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -n 1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ] || [ -z "$p$f" ]; then
        cat "$log"
        broken="$broken $name"
        [ -n "$f" ] || failed=$((failed + 1))
    else
        grep -E '^\[  (PASSED|FAILED)  \]' "$log"
    fi
done
echo "$passed passed, $failed failed"
if [ -n "$broken" ]; then
    echo "failing:$broken" >&2
    exit 1
fi
