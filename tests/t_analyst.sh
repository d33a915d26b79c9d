#!/bin/bash
# t_analyst.sh - the analyst's view on a real node pair: a quarter added up from months,
# the missing-month rule, --trend --per quarter, strata side by side (--by) and a roll-up
# of a quarter; every figure checked against hand-computed values.
#
# n0 Canada (national, CA)   n1 Clinic Alpha (organization, CA-ON); link n1-n0.
. "$(dirname "$0")/lib_nodes.sh"

IND=mhpc.depression-screening
declare -a NAME=("Canada MoH" "Clinic Alpha")
declare -a LEVEL=(national organization)
declare -a JUR=(CA CA-ON)

ctl() { "$HLNCTL" -d "$T/n$1" "${@:2}"; }
run() {
    local want=$1 node=$2 rc=0
    shift 2
    "$HLNCTL" -d "$T/n$node" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ $rc -ge 128 ] && { cat "$T/err"; fail "CRASH ($rc): hlnctl $*"; }
    [ "$rc" = "$want" ] || { cat "$T/err"; fail "hlnctl -d n$node $* exited $rc, want $want"; }
    return 0
}
out_has() { grep -q -- "$1" "$T/out" || { cat "$T/out"; fail "stdout lacks '$1'"; }; }
jget() { python3 -c "import json,sys; d=json.load(open('$T/out')); print($1)"; }
until_ok() {
    local secs=$1 what=$2 deadline
    shift 2
    deadline=$(($(now_ms) + secs * 1000))
    until "$@" >/dev/null 2>&1; do
        [ "$(now_ms)" -gt "$deadline" ] && { cat "$T/q" 2>/dev/null; ctl 0 bench "$IND" --period 2026-Q2 --group CA; ctl 1 bench "$IND" --period 2026-Q2 --group CA; fail "timed out after ${secs}s: $what"; }
        sleep 0.1
    done
}

for i in 0 1; do
    ID[$i]=$("$HLNCTL" -d "$T/n$i" init --name "${NAME[$i]}" --level "${LEVEL[$i]}" \
        --jurisdiction "${JUR[$i]}") || fail "init n$i"
    PORT[$i]=$(free_port)
    write_conf "$i"
done
for i in 0 1; do ctl $i trust add "${ID[0]}" --name Canada --level national --jurisdiction CA || fail "trust"; done
ctl 0 member issue "${ID[1]}" --name "${NAME[1]}" --level organization --jurisdiction CA-ON >/dev/null || fail "member n1"
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
ctl 0 peer add "${ID[1]}" --name n1 >/dev/null || fail "peer add"
ctl 1 peer add "${ID[0]}" "tcp://127.0.0.1:${PORT[0]}" --name n0 >/dev/null || fail "peer add"
for i in 0 1; do start_node $i; done
has_def() { ctl 1 indicator list --json | grep -q "\"$IND\""; }
until_ok 30 "n1 receives the indicator" has_def

# Months of 2026-Q2 by unit; "west" misses May. Strata for the total unit.
cat >"$T/months.csv" <<EOF
indicator,period,unit,stratum,numerator,denominator
$IND,2026-04,east,,14,50
$IND,2026-05,east,,12,60
$IND,2026-06,east,,11,40
$IND,2026-04,north,,20,40
$IND,2026-05,north,,22,40
$IND,2026-06,north,,18,40
$IND,2026-04,west,,15,30
$IND,2026-06,west,,15,30
$IND,2026-01,east,,11,30
$IND,2026-02,east,,12,30
$IND,2026-03,east,,13,30
$IND,2026-Q2,east,sex=female,40,100
$IND,2026-Q2,east,sex=male,25,100
$IND,2026-Q2,north,sex=female,30,60
$IND,2026-Q2,north,sex=male,30,60
$IND,2026-Q2,south,sex=female,5,20
$IND,2026-Q2,south,sex=male,40,80
EOF
ctl 1 publish "$T/months.csv" >/dev/null || fail "publish months"
q2_counts() {
    ctl 0 bench "$IND" --period 2026-Q2 --group CA --json >"$T/q" &&
        python3 -c "import json; d=json.load(open('$T/q')); assert d['counts']['units']==2"
}
until_ok 30 "n0 holds the months" q2_counts

echo "# a quarter from months: east 37/150, north 60/120; west incomplete"
run 0 1 bench "$IND" --period 2026-Q2 --group CA --json
[ "$(jget 'd["pooled"]["numerator"], d["pooled"]["denominator"]')" = "97 270" ] || fail "pooled: $(jget 'd["pooled"]')"
[ "$(jget '[u["parts"] for u in d["units"]]')" = "[3, 3]" ] || fail "parts"
[ "$(jget 'd["counts"]["incomplete"]')" = 1 ] || fail "incomplete count"
[ "$(jget 'd["incomplete"][0]["unit"], d["incomplete"][0]["months"], d["incomplete"][0]["of"]')" = "west 2 3" ] || fail "incomplete list"
D1=$(jget 'd["digest"]')
run 0 0 bench "$IND" --period 2026-Q2 --group CA --json
[ "$(jget 'd["digest"]')" = "$D1" ] || fail "the two nodes' digests differ"
run 0 1 bench "$IND" --period 2026-Q2 --group CA
out_has "incomplete: 2 of 3 months"
out_has "1 incomplete (left out)"
ok "2026-Q2 from months: 97/270 pooled, west left out as incomplete, same digest on both nodes"

echo "# a year: every unit misses months, so none counts; the table says why"
run 0 1 bench "$IND" --period 2026 --group CA
out_has "no unit counted"
ok "2026: no unit has twelve months"

echo "# --trend --per quarter"
run 0 1 bench "$IND" --trend --per quarter --group CA --json
[ "$(jget '[p["period"] for p in d["periods"]]')" = "['2026-Q1', '2026-Q2']" ] || fail "trend periods: $(cat "$T/out")"
[ "$(jget 'd["periods"][0]["units"], d["periods"][1]["units"]')" = "1 2" ] || fail "trend units"
run 2 1 bench "$IND" --trend --per week
ok "--trend --per quarter: Q1 (east, 36/90) and Q2"

echo "# strata side by side"
run 0 1 bench "$IND" --period 2026-Q2 --by sex --group CA --json
[ "$(jget 'd["query"]["by"], d["query"]["reference"], d["ordered"]')" = "sex sex=female False" ] || fail "by query"
# east: male 25/100 - female 40/100 = -0.15
[ "$(jget 'round(d["units"][0]["strata"][1]["diff"], 12)')" = "-0.15" ] || fail "gap: $(cat "$T/out")"
[ "$(jget 'd["units"][0]["sii"]')" = None ] || fail "no SII for sex"
[ "$(jget 'd["pooled"]["strata"][0]["numerator"], d["pooled"]["strata"][0]["denominator"]')" = "70 160" ] || fail "pooled stratum"
run 0 1 bench "$IND" --period 2026-Q2 --by sex --group CA --csv
[ "$(head -1 "$T/out" | cut -d, -f1-5)" = "author,unit,stratum,reference,suppressed" ] || fail "csv header"
[ "$(wc -l <"$T/out")" = 9 ] || fail "csv rows: $(cat "$T/out")"
run 0 1 bench "$IND" --period 2026-Q2 --by sex --ref sex=male --group CA
out_has "reference sex=male"
run 1 1 bench "$IND" --period 2026-Q2 --by age --group CA
run 2 1 bench "$IND" --by sex
ok "--by sex: side by side, gap -15.0 pp for east, pooled 70/160 female, csv 1+8 rows"

echo "# a roll-up of the quarter"
run 0 0 rollup "$IND" --period 2026-Q2 --json
out_has '"numerator":97'
# every stratum too; south suppressed its female cell, so its male cell stays out:
# otherwise male + female + south's male less the total... would give it back
[ "$(jget '[(x["stratum"], x["numerator"], x["denominator"]) for x in d["strata"]]')" = "[('sex=female', 70, 160), ('sex=male', 55, 160)]" ] || fail "strata roll-up: $(cat "$T/out")"
ok "rollup --period 2026-Q2 adds up the months too, and rolls up each stratum without south's (female suppressed)"
echo "# a directly standardised rate: PHEindicatormethods' testdata_big and testdata_small"
DSR=phof.mortality-all
cat >"$T/dsr.ini" <<EOF
[$DSR]
title = Mortality from all causes
version = 1
domain = outcome
kind = dsr
standard = esp2013
multiplier = 100000
direction = lower
EOF
ctl 0 indicator define "$T/dsr.ini" --scope CA >/dev/null || fail "define dsr"
has_dsr() { ctl 1 indicator list --json | grep -q "\"$DSR\""; }
until_ok 30 "n1 receives the dsr indicator" has_dsr
python3 - "$T/dsr.csv" "$DSR" <<'PY'
import csv, sys
out, ind = sys.argv[1], sys.argv[2]
bands = "0-4 5-9 10-14 15-19 20-24 25-29 30-34 35-39 40-44 45-49 50-54 55-59 60-64 65-69 70-74 75-79 80-84 85-89 90-plus".split()
rows = [r for r in csv.reader(open("tests/data/phe/dsr_multiarea.csv"))][1:]
with open(out, "w") as f:
    f.write("indicator,period,unit,stratum,numerator,denominator\n")
    k = {}
    for area, _, count, pop in rows:
        if area == "testdata_tiny":
            continue
        i = k.get(area, 0); k[area] = i + 1
        f.write("%s,2025,%s,age=%s,%s,%s\n" % (ind, area.replace("_", "-"), bands[i], count, pop))
PY
ctl 1 publish "$T/dsr.csv" >/dev/null || fail "publish dsr"
run 0 1 bench "$DSR" --period 2025 --group CA --json
[ "$(jget 'd["kind"], d["standard"], d["multiplier"]')" = "dsr esp2013 100000" ] || fail "dsr header: $(cat "$T/out")"
python3 - "$T/out" <<'PY' || fail "DSR figures differ from PHEindicatormethods' test results"
import json, sys
d = json.load(open(sys.argv[1]))
want = {"testdata-big": (895, 8970, 10430.247991469423, 9717.709067985681, 11178.94091547925),
        "testdata-small": (91, 8970, 1103.212025300104, 877.455767536709, 1367.0882227251795)}
got = {u["unit"]: u for u in d["units"]}
assert set(got) == set(want), got.keys()
for k, (o, p, v, lo, hi) in want.items():
    u = got[k]
    assert (u["events"], u["population"]) == (o, p), u
    for a, b in ((u["value"], v), (u["ci95"][0], lo), (u["ci95"][1], hi)):
        assert abs(a - b) <= 1e-9 * b, (k, a, b)
PY
grep -q '"stratum":"age=' "$T/out" && fail "band counts in the output"
run 0 1 bench "$DSR" --period 2025 --group CA
out_has "directly standardised (esp2013) per 100000"
echo "# dsr: the pooled DSR, PHE's funnel and a roll-up (unit variances from the band counts)"
python3 - "$T/dsr.csv" >"$T/dsrvar.py" <<'PY'
import csv, sys
esp = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000]
u = {}
for r in list(csv.reader(open(sys.argv[1])))[1:]:
    u.setdefault(r[2], []).append((int(r[4]), int(r[5])))
for k, b in u.items():
    W = sum(esp)
    dsr = sum(w * x / n for w, (x, n) in zip(esp, b)) / W
    var = sum(x * (w / n) ** 2 for w, (x, n) in zip(esp, b)) / W ** 2
    print("U[%r] = (%d, %d, %r, %r)" % (k, sum(x for x, _ in b), sum(n for _, n in b), dsr, var))
PY
run 0 1 bench "$DSR" --period 2025 --group CA --json
python3 - "$T/out" "$T/dsrvar.py" <<'PY' || fail "dsr pooled or funnel: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
U = {}
exec(open(sys.argv[2]).read())
O = sum(o for o, _, _, _ in U.values()); P = sum(p for _, p, _, _ in U.values())
dsr = sum(p / P * r for _, p, r, _ in U.values()) * 1e5
target = O / sum(o / r for o, _, r, _ in U.values()) * 1e5
assert (d["pooled"]["events"], d["pooled"]["population"]) == (O, P) == (986, 17940), d["pooled"]
assert abs(d["pooled"]["value"] - dsr) <= 1e-9 * dsr, (d["pooled"], dsr)
assert d["funnel"]["method"] == "phe-dsr" and abs(d["funnel"]["target"] - target) <= 1e-9 * target, d["funnel"]
got = {u["unit"]: (u["place"], u["compared"]) for u in d["units"]}
assert got == {"testdata-big": ("high-99.8", "worse"), "testdata-small": ("low-99.8", "better")}, got
PY
run 0 1 bench "$DSR" --period 2025 --group CA --csv
[ "$(head -1 "$T/out" | cut -d, -f12-17)" = "lo998,lo95,hi95,hi998,place,compared" ] || fail "dsr csv header: $(head -1 "$T/out")"
run 0 0 rollup "$DSR" --period 2025 --json
python3 - "$T/out" "$T/dsrvar.py" <<'PY' || fail "dsr roll-up: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
U = {}
exec(open(sys.argv[2]).read())
P = sum(p for _, p, _, _ in U.values())
dsr = sum(p / P * r for _, p, r, _ in U.values()) * 1e5
var = sum((p / P) ** 2 * v for _, p, _, v in U.values()) * 1e10
assert (d["numerator"], d["denominator"], d["too_few_events"]) == (986, 17940, 0), d
assert abs(d["value"] - dsr) <= 1e-9 * dsr and abs(d["variance"] - var) <= 1e-9 * var, (d, dsr, var)
PY
run 0 0 rollup "$DSR" --period 2025 --publish
has_ca_dsr() { ctl 1 bench "$DSR" --period 2025 --group all --json | grep -q '"unit":"CA"'; }
until_ok 30 "n1 receives the dsr roll-up" has_ca_dsr
ctl 1 bench "$DSR" --period 2025 --group all --json >"$T/out"
python3 - "$T/out" "$T/dsrvar.py" <<'PY' || fail "the published dsr roll-up, read back: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
U = {}
exec(open(sys.argv[2]).read())
P = sum(p for _, p, _, _ in U.values())
dsr = sum(p / P * r for _, p, r, _ in U.values()) * 1e5
u = d["units"][0]
assert (u["unit"], u["events"], u["population"]) == ("CA", 986, 17940), u
assert abs(u["value"] - dsr) <= 1e-9 * dsr, (u, dsr)
PY
ok "dsr: pooled 986 events, population-weighted DSR, PHE funnel (big high-99.8, small low-99.8); rollup publishes DSR and variance, read back in group all"
# every band is needed
sed '/testdata-small,age=90-plus/d; s/,2025,/,2024,/' "$T/dsr.csv" >"$T/dsr2.csv"
run 1 1 publish "$T/dsr2.csv"
grep -q "no row for band age=90-plus" "$T/err" || { cat "$T/err"; fail "missing band not named"; }
ok "dsr: testdata_big 10430.25 (9717.71-11178.94) and testdata_small 1103.21 per 100,000, as calculate_dsr"

echo "# an indirectly standardised ratio: PHEindicatormethods' testdata_multiarea_isr"
ISR=phof.smr-all
python3 - "$T/isr-ref.csv" "$T/isr.csv" "$ISR" <<'PY'
import csv, sys
ref, out, ind = sys.argv[1], sys.argv[2], sys.argv[3]
rows = list(csv.reader(open("tests/data/phe/isr_multiarea.csv")))[1:]
band = lambda b: "age=" + b.replace("+", "-plus")
with open(ref, "w") as f:
    f.write("# the reference's events and population by band\n")
    for area, b, _, _, rx, rn in rows:
        if area == "testdata_big":
            f.write("%s,%s,%s\n" % (band(b), rx, rn))
with open(out, "w") as f:
    f.write("indicator,period,unit,stratum,numerator,denominator\n")
    for area, b, x, n, _, _ in rows:
        # testdata_tiny has an empty band (NA) in PHE's data: every band needs a population
        if area != "testdata_tiny":
            f.write("%s,2025,%s,%s,%s,%s\n" % (ind, area.replace("_", "-"), band(b), x, n))
PY
cat >"$T/isr.ini" <<EOF
[$ISR]
title = Standardised mortality ratio, all causes
version = 1
domain = outcome
kind = isr
reference = phe-testdata
reference_file = $T/isr-ref.csv
direction = lower
EOF
ctl 0 indicator define "$T/isr.ini" --scope CA >/dev/null || fail "define isr"
has_isr() { ctl 1 indicator list --json | grep -q "\"$ISR\""; }
until_ok 30 "n1 receives the isr indicator" has_isr
ctl 1 publish "$T/isr.csv" >/dev/null || fail "publish isr"
run 0 1 bench "$ISR" --period 2025 --group CA --json
python3 - "$T/out" <<'PY' || fail "ISRs differ from calculate_ISRatio's test results: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert (d["kind"], d["reference"], d["multiplier"]) == ("isr", "phe-testdata", 100), d
want = {"testdata-big": (895, 107.07232939020275, 100.17147712553987, 114.32332872498949, "high-95", "worse"),
        "testdata-small": (91, 10.886683770400502, 8.7650401018294044, 13.366576328418912, "low-99.8", "better")}
got = {u["unit"]: u for u in d["units"]}
assert set(got) == set(want), got.keys()
for k, (o, v, lo, hi, place, cmp) in want.items():
    u = got[k]
    assert u["observed"] == o and abs(u["expected"] - 835.88356123117433) < 1e-6, u
    for a, b in ((u["value"], v), (u["ci95"][0], lo), (u["ci95"][1], hi)):
        assert abs(a - b) <= 1e-9 * b, (k, a, b)
    assert (u["place"], u["compared"]) == (place, cmp), u
assert d["funnel"] == {"method": "phe-ratio", "target": 100}, d["funnel"]
PY
grep -q '"stratum":"age=' "$T/out" && fail "band counts in the isr output"
run 0 1 bench "$ISR" --period 2025 --group CA
out_has "indirectly standardised ratio (reference phe-testdata) x 100"
run 0 0 rollup "$ISR" --period 2025 --json
python3 - "$T/out" <<'PY' || fail "isr roll-up: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert (d["numerator"], d["denominator"]) == (986, 2 * 835883561), d
v = 986 / (2 * 835.883561) * 100
assert abs(d["value"] - v) <= 1e-12 * v, (d["value"], v)
PY
ok "isr: testdata_big 107.07 (100.17-114.32) high-95, testdata_small 10.89 low-99.8 as calculate_ISRatio; rollup sums O and E"

echo "# a mean: PHEindicatormethods' phe_mean test data (values with 5 decimals: scale 100000)"
MEAN=cost.per-case
cat >"$T/mean.ini" <<EOF
[$MEAN]
title = Cost per case
version = 1
domain = cost
kind = mean
multiplier = 100000
direction = lower
EOF
ctl 0 indicator define "$T/mean.ini" --scope CA >/dev/null || fail "define mean"
has_mean() { ctl 1 indicator list --json | grep -q "\"$MEAN\""; }
until_ok 30 "n1 receives the mean indicator" has_mean
python3 - "$T/mean.csv" "$MEAN" <<'PY'
import csv, sys
out, ind = sys.argv[1], sys.argv[2]
vals = {}
for area, v in list(csv.reader(open("tests/data/phe/mean_testdata.csv")))[1:]:
    x = round(float(v) * 100000)
    vals.setdefault(area.lower(), []).append(x)
    vals.setdefault("all", []).append(x)
with open(out, "w") as f:
    f.write("indicator,period,unit,stratum,numerator,denominator,sum_squares\n")
    for unit in ("area2", "all"):
        xs = vals[unit]
        f.write("%s,2025,%s,,%d,%d,%d\n" % (ind, unit, sum(xs), len(xs), sum(x * x for x in xs)))
    f.write("%s,2025,area1,,%d,%d,%d\n" % (ind, sum(vals["area1"]), len(vals["area1"]), sum(x * x for x in vals["area1"])))
PY
ctl 1 publish "$T/mean.csv" >/dev/null || fail "publish mean"
run 0 1 bench "$MEAN" --period 2025 --group CA --json
python3 - "$T/out" <<'PY' || fail "means differ from phe_mean's test results: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kind"] == "mean" and d["counts"]["suppressed"] == 1, d["counts"]  # area1: n = 8 < 11
want = {"area2": (18, 5678.9629577777778, 2117.8317161590671, 4625.7900224529722, 6732.1358931025834),
        "all": (26, 3948.1141538461534, 3171.8018122194453, 2666.9956767458489, 5229.2326309464579)}
got = {u["unit"]: u for u in d["units"]}
for k, (n, m, sd, lo, hi) in want.items():
    u = got[k]
    assert u["n"] == n, u
    for a, b in ((u["value"], m), (u["sd"], sd), (u["ci95"][0], lo), (u["ci95"][1], hi)):
        assert abs(a - b) <= 1e-9 * abs(b), (k, a, b)
assert d["pooled"]["n"] == 44
PY
# a mean row needs its sum of squares; another kind's row has none
printf 'indicator,period,unit,stratum,numerator,denominator\n%s,2024,x,,100,20\n' "$MEAN" >"$T/m2.csv"
run 1 1 publish "$T/m2.csv"
grep -q "sum_squares" "$T/err" || { cat "$T/err"; fail "missing sum_squares not named"; }
printf 'indicator,period,unit,stratum,numerator,denominator,sum_squares\n%s,2024,x,,50,100,7\n' "$IND" >"$T/m3.csv"
run 1 1 publish "$T/m3.csv"
grep -q "only a mean" "$T/err" || { cat "$T/err"; fail "sum_squares on a proportion accepted"; }
ok "mean: area2 5678.96 (4625.79-6732.14) and all 26 values as phe_mean; area1 (n 8) suppressed by n"

echo "# a mean over a quarter from its months, and rolled up: n, sums and sums of squares add"
# values near 50,000.00000 (5e9 at scale 1e5): each square passes 2^64
python3 - "$T/mq.csv" "$T/mq.py" "$MEAN" <<'PY'
import sys
out, keep, ind = sys.argv[1], sys.argv[2], sys.argv[3]
vals = {("ward-a", m): [4000000000 + 37000000 * ((7 * i + m) % 13) for i in range(12)] for m in (4, 5, 6)}
vals[("ward-b", "Q2")] = [5000000000 + 91000000 * i for i in range(15)]
with open(out, "w") as f:
    f.write("indicator,period,unit,stratum,numerator,denominator,sum_squares\n")
    for (unit, m), xs in vals.items():
        p = "2026-Q2" if m == "Q2" else "2026-%02d" % m
        f.write("%s,%s,%s,,%d,%d,%d\n" % (ind, p, unit, sum(xs), len(xs), sum(x * x for x in xs)))
a = [x for (u, _), xs in vals.items() if u == "ward-a" for x in xs]
b = vals[("ward-b", "Q2")]
open(keep, "w").write("A=%r\nB=%r\n" % (a, b))
PY
ctl 1 publish "$T/mq.csv" >/dev/null || fail "publish mean months"
mq_held() {
    ctl 0 bench "$MEAN" --period 2026-Q2 --group CA --json >"$T/q" &&
        python3 -c "import json; d=json.load(open('$T/q')); assert d['counts']['units']==2"
}
until_ok 30 "n0 holds the mean's months" mq_held
run 0 1 bench "$MEAN" --period 2026-Q2 --group CA --json
python3 - "$T/out" "$T/mq.py" <<'PY' || fail "mean over a quarter: $(cat "$T/out")"
import json, sys, math
from fractions import Fraction
d = json.load(open(sys.argv[1]))
g = {}
exec(open(sys.argv[2]).read(), g)
def mean_sd(xs):  # exact: fractions, then one rounding
    n, s = len(xs), sum(xs)
    var = Fraction(n * sum(x * x for x in xs) - s * s, n * (n - 1))
    return float(Fraction(s, n) / 100000), math.sqrt(var) / 100000
u = {x["unit"]: x for x in d["units"]}
assert u["ward-a"]["n"] == 36 and u["ward-b"]["n"] == 15, u
for k, xs in (("ward-a", g["A"]), ("ward-b", g["B"])):
    m, sd = mean_sd(xs)
    assert abs(u[k]["value"] - m) <= 1e-12 * m and abs(u[k]["sd"] - sd) <= 1e-9 * sd, (k, u[k], m, sd)
m, sd = mean_sd(g["A"] + g["B"])
assert d["pooled"]["n"] == 51 and abs(d["pooled"]["mean"] - m) <= 1e-12 * m and abs(d["pooled"]["sd"] - sd) <= 1e-9 * sd, d["pooled"]
PY
run 0 0 rollup "$MEAN" --period 2026-Q2 --json
python3 - "$T/out" "$T/mq.py" <<'PY' || fail "mean roll-up: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
g = {}
exec(open(sys.argv[2]).read(), g)
xs = g["A"] + g["B"]
assert (d["numerator"], d["denominator"]) == (sum(xs), len(xs)), d
assert d["sum_squares"] == str(sum(x * x for x in xs)), d
assert abs(d["value"] - sum(xs) / len(xs) / 100000) <= 1e-12 * d["value"], d
PY
ok "mean 2026-Q2: ward-a from three months (n 36), pooled mean and sd of all 51 values; rollup carries n, sum and sum of squares past 2^64"

echo "# the report: downloads, trend, strata, dsr and mean pages"
run 0 1 report --html "$T/site" --group CA --period 2026-Q2
run 0 1 report --html "$T/site2" --group CA --period 2025
[ -f "$T/site/$IND/2026-Q2_CA.json" ] || fail "no JSON download beside the page"
run 0 1 bench "$IND" --period 2026-Q2 --group CA --json
cmp -s "$T/out" "$T/site/$IND/2026-Q2_CA.json" || fail "the JSON download differs from bench --json"
grep -q '<svg class="trend"' "$T/site/$IND/2026-Q2_CA.html" || fail "no trend chart"
grep -q '<svg class="strata"' "$T/site/$IND/2026-Q2_CA.html" || fail "no strata chart"
grep -q "Directly standardised rates" "$T/site2/$DSR/2025_CA.html" || fail "no DSR table"
grep -q "10430" "$T/site2/$DSR/2025_CA.html" || fail "DSR figure not on the page"
grep -q "<h2 id=\"means\">Means</h2>" "$T/site2/$MEAN/2025_CA.html" || fail "no means table"
grep -q "<h2 id=\"isr\">Indirectly standardised ratios</h2>" "$T/site2/$ISR/2025_CA.html" || fail "no isr table"
grep -q "<td>107.1</td><td>100.2 - 114.3</td><td>high-95</td>" "$T/site2/$ISR/2025_CA.html" || fail "isr figures not on the page"
[ "$(grep -c 'href="2026-Q2_CA.csv" download' "$T/site/$IND/2026-Q2_CA.html")" = 2 ] || fail "downloads not beside the funnel and the ranking"
grep -q 'href="2025_CA.csv" download' "$T/site2/$DSR/2025_CA.html" || fail "no download beside the DSR table"
ok "report: JSON download = bench --json beside the funnel and the ranking, trend and strata charts, DSR, ISR and mean tables with their downloads"

for i in 0 1; do alive $i; done
for i in 0 1; do stop_node $i; done
ok "both stopped cleanly"
