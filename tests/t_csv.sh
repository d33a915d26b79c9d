#!/bin/bash
# t_csv.sh - --csv on every table a read command prints: a header, the fields of --json, indicator
# and period columns, quoting; bench --trend included.
set -u
BUILD=${BUILD:-build}
H=$BUILD/hlnctl
[ -x "$H" ] || { echo "missing $H"; exit 1; }
T=$(mktemp -d /tmp/hln-csv-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
run() { # run WANT ARGS...: stdout in $T/out, stderr in $T/err
    local want=$1 rc=0
    shift
    "$H" -d "$T/n" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ $rc -ge 128 ] && { cat "$T/err"; fail "CRASH ($rc): hlnctl $*"; }
    [ "$rc" = "$want" ] || { cat "$T/out" "$T/err"; fail "hlnctl $* exited $rc, want $want"; }
}
# csv_check FILE: every line has as many fields as the header (python's csv reader)
csv_check() {
    python3 - "$1" <<'PY' || { cat "$1"; fail "$1 is not a rectangular CSV"; }
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) >= 2, "no rows"
assert all(len(r) == len(rows[0]) for r in rows), "ragged"
PY
}
# col FILE ROW NAME: the value of column NAME in data row ROW (1-based)
col() {
    python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1], newline=""))); print(r[int(sys.argv[2])-1][sys.argv[3]])' "$@"
}

ID=$("$H" -d "$T/n" init --name "Test MoH" --level national --jurisdiction CA) || fail init
run 0 trust add "$ID" --name 'Self, "the MoH"' --level national --jurisdiction CA
cat >"$T/ind.ini" <<EOT
[test.screening]
title = Screening, with a comma
version = 1
domain = process
kind = proportion
direction = higher
strata = sex=female, sex=male
EOT
run 0 indicator define "$T/ind.ini"
cat >"$T/obs.csv" <<EOT
indicator,period,unit,stratum,numerator,denominator
test.screening,2026-Q2,north,,120,200
test.screening,2026-Q2,south,,90,180
test.screening,2026-Q3,north,,130,200
test.screening,2026-Q3,south,,95,180
EOT
run 0 publish "$T/obs.csv"

run 0 indicator list --csv
csv_check "$T/out"
head -1 "$T/out" | grep -q '^code,version,title,' || { cat "$T/out"; fail "indicator list header"; }
[ "$(col "$T/out" 1 title)" = "Screening, with a comma" ] || fail "a comma is quoted"
[ "$(col "$T/out" 1 strata)" = "sex=female;sex=male" ] || fail "strata joined by ;"
ok "indicator list --csv"

run 0 log --csv
csv_check "$T/out"
[ "$(wc -l <"$T/out")" -ge 6 ] || fail "log: a row per record"
grep -q ',test.screening,2026-Q3,south,' "$T/out" || { cat "$T/out"; fail "log: indicator, period, unit"; }
head -1 "$T/out" | grep -q 'indicator,period,unit,stratum' || fail "log header"
ok "log --csv: indicator, period, unit and stratum columns"

run 0 trust list --csv
csv_check "$T/out"
[ "$(col "$T/out" 1 name)" = 'Self, "the MoH"' ] || { cat "$T/out"; fail "quotes doubled"; }
[ "$(col "$T/out" 1 id)" = "$ID" ] || fail "trust list: the id"
run 0 member list --csv
csv_check "$T/out"
head -1 "$T/out" | grep -q '^id,name,level,jurisdiction,status' || { cat "$T/out"; fail "member header"; }
ok "trust list and member list --csv"

run 0 peer add "$ID" tcp://127.0.0.1:1 --name far
run 0 peer list --csv
csv_check "$T/out"
[ "$(col "$T/out" 1 state)" = offline ] || { cat "$T/out"; fail "peer list state"; }
[ "$(col "$T/out" 1 endpoint)" = tcp://127.0.0.1:1 ] || fail "peer endpoint"
ok "peer list --csv"

run 0 bench test.screening --trend --csv --group level:national --unit north
csv_check "$T/out"
head -1 "$T/out" | grep -q '^engine,indicator,group,stratum,followed_unit,period,units' || {
    cat "$T/out"; fail "trend header"; }
[ "$(wc -l <"$T/out")" = 3 ] || { cat "$T/out"; fail "trend: a row per period"; }
[ "$(col "$T/out" 1 period)" = 2026-Q2 ] && [ "$(col "$T/out" 2 period)" = 2026-Q3 ] ||
    fail "trend: periods oldest first"
[ "$(col "$T/out" 2 indicator)" = test.screening ] || fail "trend: indicator column"
[ "$(col "$T/out" 2 unit_value)" = 0.65000000000000002 ] || { cat "$T/out"; fail "unit value"; }
# the same figures as --json
run 0 bench test.screening --trend --json --group level:national
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["periods"][1]["pooled"])' \
    "$T/out" >"$T/pooled"
run 0 bench test.screening --trend --csv --group level:national
python3 -c 'import sys; assert float(sys.argv[1]) == float(sys.argv[2])' "$(col "$T/out" 2 pooled)" \
    "$(cat "$T/pooled")" || fail "trend csv pooled differs from json"
ok "bench --trend --csv (no longer refused): a row per period, the figures of --json"

# rollup --csv is taken (its figures need organizations inside the jurisdiction, which this
# one-node test has none of: the refusal, not a usage error)
run 1 rollup test.screening --period 2026-Q3 --csv
grep -q "nothing to roll up" "$T/err" || { cat "$T/err"; fail "rollup --csv"; }
ok "rollup --csv accepted"

run 2 bench test.screening --period 2026-Q3 --json --csv

# one period: each row ends in the query's indicator, period and stratum
run 0 bench test.screening --period 2026-Q3 --csv --group level:national
csv_check "$T/out"
[ "$(col "$T/out" 1 indicator)" = test.screening ] && [ "$(col "$T/out" 1 period)" = 2026-Q3 ] ||
    { cat "$T/out"; fail "bench --csv: indicator and period columns"; }
ok "bench --csv rows name their indicator and period"
echo "t_csv: all ok"
