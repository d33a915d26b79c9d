#!/usr/bin/env bash
# t_publish_stream.sh - hlnctl publish of files longer than one batch: all rows checked before any is
# written, batches never cut an (indicator, period, unit) group, suppression as in one file, bad rows
# and scattered groups refuse the whole file with their lines.
set -u
BUILD=${BUILD:-build}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HLNCTL="$ROOT/$BUILD/hlnctl"
[ -x "$HLNCTL" ] || { echo "t_publish_stream: $HLNCTL not built" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D="$T/node"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
run() {
    local want=$1
    shift
    "$HLNCTL" "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ $rc -ge 128 ]; then
        echo "CRASH ($rc): hlnctl $*" >&2
        cat "$T/err" >&2
        exit 1
    fi
    if [ "$rc" != "$want" ]; then
        fail "hlnctl $* exited $rc, want $want"
        sed 's/^/  | /' "$T/err" >&2
    fi
}
out_has() { grep -q -- "$1" "$T/out" || fail "stdout lacks '$1'"; }
err_has() { grep -q -- "$1" "$T/err" || fail "stderr lacks '$1'"; }
records() { "$HLNCTL" -d "$D" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])'; }

run 0 -d "$D" init --name "Ministry" --level national --jurisdiction CA
run 0 -d "$D" indicator define "$ROOT/configs/indicators.ini"
base=$(records)

# gen N: N rows, units in order, each unit one group of a total and two strata
# (the second stratum of every 7th unit is a small cell: suppressed, and its
# complement with it).
gen() {
    awk -v n="$1" 'BEGIN{print "indicator,period,unit,stratum,numerator,denominator";
      for (i = 0; i < n; i++) { u = int(i / 3); s = i % 3;
        st = s == 0 ? "" : (s == 1 ? "sex=female" : "sex=male");
        num = (s == 2 && u % 7 == 0) ? 3 : 40 + u % 50; den = s == 0 ? 400 : 200;
        printf "mhpc.depression-screening,2026-Q3,u%06d,%s,%d,%d\n", u, st, num, den } }'
}

echo "# 30,003 rows: three batches and a bit, nothing cut"
gen 30003 >"$T/big.csv"
run 0 -d "$D" publish "$T/big.csv" --dry-run
out_has "dry run: 30003 observations"
out_has "would suppress line"
[ "$(records)" = "$base" ] || fail "a dry run wrote records"
run 0 -d "$D" publish "$T/big.csv"
out_has "published 30003 observations"
out_has "in 4 batches"
[ "$(records)" = "$((base + 30003))" ] || fail "records $(records), want $((base + 30003))"
# suppression per group is what a one-file publish of the same group gives
n_supp=$(grep -c "^suppressed line" "$T/out")
gen 300 >"$T/small.csv"
run 0 -d "$T/node" publish "$T/small.csv" --dry-run --json
small_supp=$(python3 -c "import json; d=json.load(open('$T/out')); print(d['suppressed'])")
[ "$n_supp" -gt 0 ] || fail "nothing suppressed"
# every 7th unit loses its small cell and that cell's complement: 2 rows a
# unit, also for the units a batch boundary (every 10,000 rows) falls into
[ "$small_supp" = $((2 * ((100 + 6) / 7))) ] || fail "suppressed $small_supp of 300 in one file"
[ "$n_supp" = $((2 * ((10001 + 6) / 7))) ] || fail "suppressed $n_supp of 30003"

echo "# --json streams one object"
run 0 -d "$D" publish "$T/big.csv" --dry-run --json
python3 - "$T/out" <<'PY' || fail "--json output"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["rows"] == 30003 and d["batches"] == 4 and d["dry_run"] is True and d["complete"] is True
assert len(d["observations"]) == 30003
assert d["observations"][-1]["line"] == 30004
PY

echo "# a bad row far down: nothing published, its line named"
before=$(records)
gen 25000 | awk 'NR == 22222 { $0 = "mhpc.depression-screening,2026-Q3,u999999,,9,x" } { print }' >"$T/bad.csv"
run 1 -d "$D" publish "$T/bad.csv"
err_has "bad.csv:22222:"
err_has "nothing published"
[ "$(records)" = "$before" ] || fail "a bad file wrote records"

echo "# a group apart from its first rows: refused, nothing published"
{ gen 12000; echo "mhpc.depression-screening,2026-Q3,u000001,sex=male,5,200"; } | \
    awk 'NR == 1 || !/u000001,sex=male/ || seen++ == 0' >"$T/split.csv"
# u000001's male row moved to the end (after more than a batch)
python3 - "$T/split.csv" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().splitlines()
row = [l for l in lines[1:] if l.startswith("mhpc.depression-screening,2026-Q3,u000001,sex=male")][0]
rest = [l for l in lines if l != row]
open(p, "w").write("\n".join(rest + [row]) + "\n")
PY
run 1 -d "$D" publish "$T/split.csv"
err_has "must stand together"
err_has "split.csv:12001:"
[ "$(records)" = "$before" ] || fail "a scattered file wrote records"

echo "# the store still verifies"
run 0 -d "$D" verify
[ $fails -eq 0 ] && echo "t_publish_stream: ok" || { echo "t_publish_stream: $fails failure(s)"; exit 1; }
