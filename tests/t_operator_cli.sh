#!/bin/bash
# t_operator_cli.sh - retract, a minimum cell below the floor in force, without a daemon.
set -u
BUILD=${BUILD:-build}
H=$BUILD/hlnctl
T=$(mktemp -d /tmp/hln-opcli-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
D=$T/ca
"$H" -d "$D" init --authority --name Canada --level national --jurisdiction CA --min-cell 25 >/dev/null 2>&1 ||
    fail "init"
"$H" -d "$D" indicator define configs/indicators.ini >/dev/null || fail "define"
"$H" -d "$D" publish configs/sample.csv >/dev/null || fail "publish"
counted() { # the observations of mhpc.depression-screening 2026-Q3 not withdrawn
    "$H" -d "$D" --json log | python3 -c "
import json, sys
print(sum(1 for r in json.load(sys.stdin) if r['type'] == 'retract'))"
}

# retract by indicator and period: every stratum, once.
out=$("$H" -d "$D" retract --indicator mhpc.depression-screening --period 2026-Q3 --reason "wrong extract") ||
    fail "retract by indicator"
[ "$(grep -c '^retract record' <<<"$out")" -eq 5 ] || fail "five strata withdrawn: $out"
[ "$(counted)" -eq 5 ] || fail "five retract records"
"$H" -d "$D" retract --indicator mhpc.depression-screening --period 2026-Q3 2>"$T/err" && fail "retracted twice"
grep -q 'not withdrawn already' "$T/err" || fail "reason: $(cat "$T/err")"
ok "retract --indicator --period withdraws every stratum once"

# retract by record id, erasing the body.
id=$("$H" -d "$D" --json log | python3 -c "
import json, sys
print([r['id'] for r in json.load(sys.stdin) if r['type'] == 'observation' and 'remission' in r['summary']][0])")
"$H" -d "$D" retract "$id" --erase --json | grep -q "\"target\":\"$id\"" || fail "retract RECORD"
"$H" -d "$D" --json log | python3 -c "
import json, sys
r = [r for r in json.load(sys.stdin) if r['id'] == '$id'][0]
assert r['erased'], r" || fail "the body is not erased"
"$H" -d "$D" retract 00 2>/dev/null; [ $? -eq 2 ] || fail "a malformed id is a usage error"
"$H" -d "$D" retract 2>/dev/null; [ $? -eq 2 ] || fail "retract with nothing"
other=$("$H" -d "$T/x" init --name X --jurisdiction CA-ON)
"$H" -d "$T/x" retract "$id" 2>"$T/err"; [ $? -eq 1 ] || fail "retract of a record not held"
ok "retract RECORD --erase; usage errors"

# A minimum cell below the floor: refused with the floor named; below a stricter rule: warned.
"$H" -d "$D" policy set --min-cell 10 2>"$T/err"; [ $? -eq 2 ] || fail "min cell 10 accepted"
grep -q 'below the floor of 11' "$T/err" || fail "floor not named: $(cat "$T/err")"
"$H" -d "$D" policy set --min-cell 15 >/dev/null 2>"$T/err" || fail "policy set 15"
grep -q 'minimum cell in force for CA stays 25' "$T/err" || fail "no warning: $(cat "$T/err")"
"$H" -d "$D" policy set --min-cell 30 >/dev/null 2>"$T/err" || fail "policy set 30"
[ ! -s "$T/err" ] || fail "a warning for a rule that is in force: $(cat "$T/err")"
ok "policy set below the floor refused (floor named); below the rule in force warned"
: "$other"
