#!/bin/bash
# t_bench.sh - hlnctl bench and rollup on a real network: two countries' authorities and organizations, real hlnd.
#
# n0 Canada (national, CA)   n1 Clinic Alpha (CA-ON)   n2 Clinic Beta (CA-QC)
# n3 France (national, FR)   n4 Clinique Gamma (FR)
# Links: n1-n0, n2-n0, n0-n3, n3-n4. Every record comes from hlnctl; the
# daemons carry it, so the nodes hold the very records the others signed.
. "$(dirname "$0")/lib_nodes.sh"

IND=mhpc.depression-screening
declare -a NAME=("Canada MoH" "Clinic Alpha" "Clinic Beta" "France MoS" "Clinique Gamma")
declare -a LEVEL=(national organization organization national organization)
declare -a JUR=(CA CA-ON CA-QC FR FR)

ctl() { "$HLNCTL" -d "$T/n$1" "${@:2}"; }

# run WANT_EXIT NODE ARGS...: hlnctl on node NODE, stdout in $T/out, stderr in $T/err.
run() {
    local want=$1 node=$2 rc=0
    shift 2
    "$HLNCTL" -d "$T/n$node" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ $rc -ge 128 ] && { cat "$T/err"; fail "CRASH ($rc): hlnctl $*"; }
    [ "$rc" = "$want" ] || { cat "$T/err"; fail "hlnctl -d n$node $* exited $rc, want $want"; }
    return 0
}
out_has() { grep -q -- "$1" "$T/out" || { cat "$T/out"; fail "stdout lacks '$1'"; }; }
err_has() { grep -q -- "$1" "$T/err" || { cat "$T/err"; fail "stderr lacks '$1'"; }; }
# jq-like: evaluate a python expression over the JSON in $T/out (as d).
jget() { python3 -c "import json,sys; d=json.load(open('$T/out')); print($1)"; }

# until_ok SECONDS WHAT CMD...: retry CMD until it succeeds.
until_ok() {
    local secs=$1 what=$2 deadline
    shift 2
    deadline=$(($(now_ms) + secs * 1000))
    until "$@" >/dev/null 2>&1; do
        [ "$(now_ms)" -gt "$deadline" ] && fail "timed out after ${secs}s: $what"
        sleep 0.1
    done
}

for i in 0 1 2 3 4; do
    ID[$i]=$("$HLNCTL" -d "$T/n$i" init --name "${NAME[$i]}" --level "${LEVEL[$i]}" \
        --jurisdiction "${JUR[$i]}") || fail "init n$i"
    PORT[$i]=$(free_port)
    write_conf "$i"
done
# Canada's nodes anchor Canada and (for its roll-up) France; France's likewise.
for i in 0 1 2; do ctl $i trust add "${ID[0]}" --name Canada --level national --jurisdiction CA || fail "trust"; done
for i in 0 1 2 3; do ctl $i trust add "${ID[3]}" --name France --level national --jurisdiction FR || fail "trust"; done
ctl 3 trust add "${ID[0]}" --name Canada --level national --jurisdiction CA || fail "trust"
ctl 4 trust add "${ID[3]}" --name France --level national --jurisdiction FR || fail "trust"
ctl 0 member issue "${ID[1]}" --name "${NAME[1]}" --level organization --jurisdiction CA-ON >/dev/null || fail "member n1"
ctl 0 member issue "${ID[2]}" --name "${NAME[2]}" --level organization --jurisdiction CA-QC >/dev/null || fail "member n2"
ctl 3 member issue "${ID[4]}" --name "${NAME[4]}" --level organization --jurisdiction FR >/dev/null || fail "member n4"
cat >"$T/ind.ini" <<EOF
[$IND]
title = Depression screening with follow-up plan
version = 1
domain = process
kind = proportion
direction = higher
strata = sex=female, sex=male
EOF
ctl 0 indicator define "$T/ind.ini" --scope CA >/dev/null || fail "define CA"
ctl 3 indicator define "$T/ind.ini" --scope FR >/dev/null || fail "define FR"
plink() {
    ctl "$1" peer add "${ID[$2]}" "tcp://127.0.0.1:${PORT[$2]}" --name "n$2" >/dev/null || fail "peer add $1 $2"
    ctl "$2" peer add "${ID[$1]}" --name "n$1" >/dev/null || fail "peer add $2 $1"
}
plink 1 0
plink 2 0
plink 0 3
plink 4 3
for i in 0 1 2 3 4; do start_node $i; done
has_def() { ctl "$1" indicator list --json | grep -q "\"$IND\""; }
for i in 1 2 4; do until_ok 30 "n$i receives the indicator" has_def $i; done
ok "five nodes up; the organizations hold the definitions"

# The organizations publish three quarters. Beta's small unit is suppressed.
cat >"$T/alpha.csv" <<EOF
indicator,period,unit,stratum,numerator,denominator
$IND,2026-Q1,,,380,520
$IND,2026-Q1,east,,120,250
$IND,2026-Q2,,,300,500
$IND,2026-Q2,east,,100,200
$IND,2026-Q3,,,412,530
$IND,2026-Q3,east,,150,260
EOF
cat >"$T/beta.csv" <<EOF
indicator,period,unit,stratum,numerator,denominator
$IND,2026-Q1,,,290,400
$IND,2026-Q2,,,200,300
$IND,2026-Q3,,,300,410
$IND,2026-Q3,tiny,,3,8
EOF
cat >"$T/gamma.csv" <<EOF
indicator,period,unit,stratum,numerator,denominator
$IND,2026-Q3,,,500,1000
$IND,2026-Q3,lyon,,250,400
EOF
ctl 1 publish "$T/alpha.csv" >/dev/null || fail "publish alpha"
ctl 2 publish "$T/beta.csv" >/dev/null 2>&1 || fail "publish beta"
ctl 4 publish "$T/gamma.csv" >/dev/null || fail "publish gamma"

# Converged when the three Canadian nodes print the same JSON with every unit.
bench_json() { ctl "$1" bench "$IND" --period 2026-Q3 --group CA --json; }
same_q3() {
    bench_json 0 >"$T/j0" && bench_json 1 >"$T/j1" && bench_json 2 >"$T/j2" &&
        cmp -s "$T/j0" "$T/j1" && cmp -s "$T/j1" "$T/j2" &&
        python3 -c "import json; d=json.load(open('$T/j1')); assert d['counts']['units']==3 and d['counts']['suppressed']==1"
}
until_ok 30 "Canada's nodes converge on 2026-Q3" same_q3
ok "n0, n1 and n2 print byte-identical --json for 2026-Q3"

echo "# the JSON: figures and identity-free fields"
run 0 1 bench "$IND" --period 2026-Q3 --group CA --json
[ "$(jget 'd["pooled"]["numerator"], d["pooled"]["denominator"]')" = "862 1200" ] || fail "pooled counts: $(jget 'd["pooled"]')"
[ "$(jget 'd["query"]["group"]')" = CA ] || fail "group in the query"
[ "$(jget 'len(d["units"])')" = 3 ] || fail "three units"
[ "$(jget 'len(d["digest"])')" = 64 ] || fail "digest"
grep -q '"own"\|timestamp' "$T/out" && fail "local-only fields in --json"
DIGEST_CA=$(jget 'd["digest"]')
# The default group is the node's country.
run 0 1 bench "$IND" --period 2026-Q3 --json
cmp -s "$T/out" "$T/j1" || fail "default group is not the country"
# The global --json before the command word works too.
"$HLNCTL" -d "$T/n1" --json bench "$IND" --period 2026-Q3 --group CA >"$T/out" || fail "global --json"
cmp -s "$T/out" "$T/j1" || fail "global --json differs"
ok "--json: pooled 862/1200, three units, one suppressed, no local fields"

echo "# the table marks this node's own units"
run 0 1 bench "$IND" --period 2026-Q3 --group CA
out_has "group CA"
out_has "pooled value: 71.8% (862 / 1200)"
out_has "achievable benchmark (ABC)"
out_has "overdispersion"
out_has "evidence $DIGEST_CA"
[ "$(grep -c '^\*' "$T/out")" = 2 ] || { cat "$T/out"; fail "n1 should mark 2 own units"; }
grep '^\*' "$T/out" | grep -q east || fail "Alpha's unit east not marked"
run 0 2 bench "$IND" --period 2026-Q3 --group CA
grep '^\*' "$T/out" | grep -q "tiny .*suppressed" || { cat "$T/out"; fail "Beta's suppressed unit not marked"; }
grep '^\*' "$T/out" | grep -q east && fail "n2 marks Alpha's unit"
ok "tables: own units marked on each node, summary lines, digest"

echo "# CSV: a header and one row per unit"
run 0 1 bench "$IND" --period 2026-Q3 --csv
head -1 "$T/out" | grep -q '^author,unit,record,suppressed,numerator,denominator,value' || fail "CSV header"
[ "$(wc -l <"$T/out")" = 5 ] || { cat "$T/out"; fail "CSV: want a header and 4 rows"; }
[ "$(grep -c ',1,,,' "$T/out")" = 1 ] || fail "CSV: one suppressed row"
ok "--csv"

echo "# trends over three quarters"
run 0 1 bench "$IND" --trend --json
[ "$(jget '[p["period"] for p in d["periods"]]')" = "['2026-Q1', '2026-Q2', '2026-Q3']" ] || fail "trend periods: $(cat "$T/out")"
[ "$(jget 'd["periods"][2]["digest"]')" = "$DIGEST_CA" ] || fail "trend digest of Q3 differs from bench"
grep -q '"unit"' "$T/out" && fail "a trend without --unit follows a unit"
run 0 1 bench "$IND" --trend --unit east --json
[ "$(jget '[round(p["unit"]["value"], 4) for p in d["periods"]]')" = "[0.48, 0.5, 0.5769]" ] || fail "east's trend: $(cat "$T/out")"
run 0 1 bench "$IND" --trend --unit -
[ "$(grep -c '^2026-Q' "$T/out")" = 3 ] || { cat "$T/out"; fail "trend table rows"; }
grep '^2026-Q1' "$T/out" | grep -q '73.1%' || { cat "$T/out"; fail "the node's own value in Q1"; }
ok "--trend: three periods, a unit followed, Q3's digest equals bench's"

echo "# rollup on the national authority"
run 0 0 rollup "$IND" --period 2026-Q3 --json
[ "$(jget 'd["numerator"], d["denominator"], d["units"], d["suppressed_units"]')" = "862 1200 3 1" ] || fail "rollup sums: $(cat "$T/out")"
[ "$(jget 'd["unit"], d["scope"], d["published"], d["suppressed"]')" = "CA global False False" ] || fail "rollup target: $(cat "$T/out")"
[ "$(jget 'd["digest"]')" = "$DIGEST_CA" ] || fail "rollup digest differs from bench --group CA"
run 0 0 rollup "$IND" --period 2026-Q3 --csv
python3 - "$T/out" "$IND" <<'EOF' || { cat "$T/out"; fail "rollup --csv"; }
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 1
r = rows[0]
assert (r["indicator"], r["period"], r["unit"], r["numerator"], r["denominator"]) == \
    (sys.argv[2], "2026-Q3", "CA", "862", "1200"), r
EOF
run 0 0 rollup "$IND" --period 2026-Q3
out_has "would publish: unit CA, total, 862/1200, in scope global"
out_has "dry run"
run 0 0 log --json
grep -q '"unit":"CA"' "$T/out" && fail "a dry run wrote a record"
run 0 0 rollup "$IND" --period 2026-Q3 --publish --json
[ "$(jget 'd["published"]')" = True ] || fail "not published"
run 0 0 log --json
python3 - "$T/out" <<'EOF' || fail "no roll-up observation with unit CA in scope global"
import json, sys
recs = json.load(open(sys.argv[1]))
hits = [r for r in recs if r["type"] == "observation" and r.get("unit") == "CA"]
assert len(hits) == 1, hits
h = hits[0]
assert h["scope"] == "global" and h["numerator"] == 862 and h["denominator"] == 1200 and not h["suppressed"], h
EOF
# Its own roll-up is not an organization: rolling up again gives the same sums.
run 0 0 rollup "$IND" --period 2026-Q3 --json
[ "$(jget 'd["numerator"], d["denominator"]')" = "862 1200" ] || fail "the roll-up counted itself"
ok "rollup: 862/1200 = the sums, published as unit CA in scope global, not counted twice"

echo "# France rolls up too; the global view compares the two countries"
run 0 3 rollup "$IND" --period 2026-Q3 --publish
out_has "published: unit FR, total, 750/1400, in scope global"
both() {
    ctl 1 bench "$IND" --period 2026-Q3 --group all --json >"$T/all1" &&
        python3 -c "import json; d=json.load(open('$T/all1')); assert sorted(u['unit'] for u in d['units'])==['CA','FR']"
}
until_ok 30 "n1 receives both roll-ups" both
run 0 1 bench "$IND" --period 2026-Q3 --group CA --json
cmp -s "$T/out" "$T/all1" && fail "--group CA and --group all agree"
[ "$(jget 'sorted(u["unit"] for u in d["units"])')" = "['', '', 'east']" ] || fail "--group CA units: $(cat "$T/out")"
[ "$(jget 'd["digest"]')" = "$DIGEST_CA" ] || fail "the roll-ups changed --group CA"
run 0 1 bench "$IND" --period 2026-Q3 --group level:national --json
python3 -c "import json; a=json.load(open('$T/all1')); b=json.load(open('$T/out')); assert a['units']==b['units']" || fail "level:national differs from all"
run 0 1 bench "$IND" --period 2026-Q3 --group CA-ON --json
[ "$(jget 'd["counts"]["units"]')" = 2 ] || fail "--group CA-ON: $(cat "$T/out")"
run 0 1 bench "$IND" --period 2026-Q3 --group all
out_has "pooled value: 62.0% (1612 / 2600)"
ok "--group all: CA and FR roll-ups; --group CA: Canada's organizations; CA-ON: Alpha only"

echo "# an organization cannot roll up"
run 1 1 rollup "$IND" --period 2026-Q3
err_has "hlnctl: rollup: refused: this node is an organization"
run 1 1 rollup "$IND" --period 2026-Q3 --publish
ok "rollup on an organization is refused"

echo "# bad inputs"
run 2 1 bench
err_has "which indicator"
run 2 1 bench NotACode --period 2026-Q3
err_has "not an indicator code"
run 1 1 bench mhpc.no-such --period 2026-Q3
err_has "is not defined on this node"
run 2 1 bench "$IND" --period 2026-Q5
err_has "is not a period"
run 2 1 bench "$IND"
err_has "period P is required"
run 2 1 bench "$IND" --period 2026-Q3 --group Canada
err_has "--group: 'Canada'"
run 2 1 bench "$IND" --period 2026-Q3 --group level:emperor
run 2 1 bench "$IND" --period 2026-Q3 --json --csv
run 2 1 bench "$IND" --period 2026-Q3 --unit east
run 2 1 bench "$IND" --trend --period 2026-Q3
run 2 1 bench "$IND" --period 2026-Q3 --method fancy
run 2 1 bench "$IND" --period 2026-Q3 --publish
run 1 1 bench "$IND" --period 2026-Q3 --stratum age=65-plus
err_has "not one of the strata"
run 2 1 bench verify
run 2 0 rollup "$IND"
err_has "period P is required"
run 2 0 rollup "$IND" --period 2026-Q3 --group CA
run 2 0 rollup "$IND" --period 2026-Q3 --scope Europe
run 1 0 rollup "$IND" --period 2026-Q3 --scope FR
err_has "refused"
run 1 0 rollup "$IND" --period 2025
err_has "nothing to roll up"
"$HLNCTL" -d "$T/nowhere" bench "$IND" --period 2026-Q3 >/dev/null 2>&1
[ $? = 1 ] || fail "bench on a missing node should exit 1"
run 0 1 bench --help
out_has "usage: hlnctl"
run 0 1 rollup --help
out_has "usage: hlnctl"
run 0 1 help bench
out_has "bench"
ok "bad inputs exit 2 (usage) or 1 (no such thing), with a message"

echo "# a stricter policy: a small pooled count is published suppressed"
ctl 0 policy set --min-cell 1000 --scope CA >/dev/null || fail "policy set"
run 0 0 rollup "$IND" --period 2026-Q2 --json
[ "$(jget 'd["numerator"], d["denominator"], d["min_cell"]')" = "600 1000 1000" ] || fail "Q2 rollup: $(cat "$T/out")"
[ "$(jget 'd["suppressed"], d["suppression"]')" = "True small" ] || fail "not suppressed: $(cat "$T/out")"
run 0 0 rollup "$IND" --period 2026-Q2 --publish
out_has "published: unit CA, total, suppressed"
run 0 0 log --json
python3 - "$T/out" <<'EOF' || fail "the suppressed roll-up record"
import json, sys
recs = json.load(open(sys.argv[1]))
h = [r for r in recs if r["type"] == "observation" and r.get("unit") == "CA" and r["period"] == "2026-Q2"]
assert len(h) == 1 and h[0]["suppressed"] and "numerator" not in h[0], h
EOF
ok "rollup: below the minimum cell in force, published suppressed"

for i in 0 1 2 3 4; do alive $i; done
for i in 0 1 2 3 4; do stop_node $i; done
for i in 0 1 2 3 4; do ctl $i verify >/dev/null || fail "n$i store does not verify"; done
ok "all stopped cleanly; every store verifies"
