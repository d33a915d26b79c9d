#!/bin/sh
# run-tests.sh - run test binaries and shell tests; a crash or non-zero exit fails.
# Prints one summary line "N passed, N failed" at the end.
pass=0
fail=0
failed=""
for t in "$@"; do
    [ -e "$t" ] || continue
    case "$t" in
    *.sh) cmd="bash $t" ;;
    *) cmd="$t" ;;
    esac
    echo "== $t"
    start=$(date +%s)
    if $cmd; then
        pass=$((pass + 1))
        echo "-- ok $t ($(($(date +%s) - start))s)"
    else
        rc=$?
        fail=$((fail + 1))
        failed="$failed $t"
        echo "-- FAIL $t (exit $rc)"
    fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
