#!/bin/bash
# t_collaborative.sh - a learning collaborative across running nodes: its records reach its members and its authority's jurisdiction, not an outsider; lessons are screened, withdrawn and erased; improve agrees across nodes.
. "$(dirname "$0")/lib_nodes.sh"

# n1 Canada's authority; n2 Ontario's (CA-ON) runs the collaborative; n3 an
# Ontario clinic, its member; n4 a clinic in British Columbia (CA-BC),
# admitted by Canada, peered directly with the Ontario clinic: the outsider.
init_node() { # I NAME LEVEL JURISDICTION
    ID[$1]=$("$HLNCTL" -d "$T/n$1" init --name "$2" --level "$3" --jurisdiction "$4") || fail "init n$1"
    PORT[$1]=$(free_port)
    write_conf "$1"
}
init_node 1 Canada national CA
init_node 2 Ontario subnational CA-ON
init_node 3 ClinicON organization CA-ON
init_node 4 ClinicBC organization CA-BC
CA=${ID[1]} ON=${ID[2]} CON=${ID[3]} CBC=${ID[4]}
IND=mhpc.depression-screening
ctl() {
    local i=$1
    shift
    "$HLNCTL" -d "$T/n$i" "$@" >>"$T/ctl.log" 2>&1 || { tail -3 "$T/ctl.log"; fail "n$i: hlnctl $*"; }
}
# held NODE AUTHOR SCOPE TYPE: records of AUTHOR in SCOPE of TYPE that NODE holds.
held() {
    "$HLNCTL" -d "$T/n$1" --json log 2>/dev/null | python3 -c "
import json, sys
print(sum(1 for r in json.load(sys.stdin)
          if r['author'] == '$2' and r['scope'] == '$3' and r['type'] == '$4'))"
}
wait_held() { # NODE AUTHOR SCOPE TYPE COUNT SECONDS
    local deadline=$(($(now_ms) + $6 * 1000)) have
    while :; do
        have=$(held "$1" "$2" "$3" "$4")
        [ "${have:-0}" -ge "$5" ] && return 0
        [ "$(now_ms)" -gt "$deadline" ] && fail "n$1 holds $have of $5 $4 records of $2 in $3"
        sleep 0.1
    done
}

# Usage errors: exit 2 and the option named, before any store is opened.
usage2() { # WHAT-TO-FIND ARGS...: exit 2 and WHAT-TO-FIND on stderr
    local want=$1 rc=0
    shift
    "$HLNCTL" -d "$T/n3" "$@" >/dev/null 2>"$T/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "hlnctl $* gave exit $rc, not 2"
    grep -qF -- "$want" "$T/err" || fail "hlnctl $*: no '$want' in: $(cat "$T/err")"
}
usage2 "unknown option '--bogus'" target set "$IND" --value 70% --by 2025-09 --bogus
usage2 "option '--by' needs a value" target set "$IND" --value 70% --by
usage2 "needs INDICATOR, --value and --by" target set "$IND" --value 70%
usage2 "--by: '2025-13' is not a period" target set "$IND" --value 70% --by 2025-13
usage2 "option '--json' takes no value" target list --json=1
usage2 "option '--name' needs a value" collaborative create on-x --name
usage2 "unknown option '--members'" collaborative create on-x --members x
usage2 "needs CODE and at least one ID" collaborative add on-dep
usage2 "collaborative: unknown command 'join'" collaborative join on-dep
usage2 "unknown option '--texts'" lesson share --indicator "$IND" --texts hi
usage2 "option '--indicator' needs a value" lesson share --indicator
usage2 "--result: 'great' is not" lesson share --indicator "$IND" --period 2025-05 --result great --text hi
usage2 "--idea: a change idea number" lesson share --indicator "$IND" --period 2025-05 --result worked --text hi --idea 0
usage2 "option '--collaborative' needs a value" lesson list --collaborative
usage2 "unexpected argument 'def'" lesson retract abc def
usage2 "option '--unit' needs a value" improve "$IND" --unit
usage2 "unknown option '--period'" improve "$IND" --period 2025-05
usage2 "--unit or --collaborative, not both" improve "$IND" --unit a --collaborative b
usage2 "unexpected argument 'other'" improve "$IND" other
"$HLNCTL" -d "$T/n3" lesson share --help | grep -q -- "--text-file F" || fail "lesson share --help"
ok "usage errors exit 2 and name the option: target, collaborative, lesson, improve"

for i in 1 2 3 4; do ctl $i trust add "$CA" --name Canada --level national --jurisdiction CA; done
ctl 1 member issue "$ON" --name Ontario --level subnational --jurisdiction CA-ON --from 2020-01-01
ctl 1 member issue "$CBC" --name ClinicBC --level organization --jurisdiction CA-BC --from 2020-01-01
ctl 1 indicator define configs/indicators.ini --scope CA
link 2 1
link 3 2
link 4 1
link 4 3
for i in 1 2 3 4; do start_node $i; done
# Ontario needs Canada's member record (its own standing) and catalogue,
# then admits its clinic.
wait_held 2 "$CA" CA indicator 6 30
wait_held 2 "$CA" CA member 2 30
ctl 2 member issue "$CON" --name ClinicON --level organization --jurisdiction CA-ON --from 2020-01-01
wait_held 3 "$ON" CA member 1 30
ok "the chain and the catalogue reached Ontario and its clinic"

# 1. Ontario runs a collaborative with its clinic; an outsider cannot join.
if "$HLNCTL" -d "$T/n2" collaborative create on-dep --name "Depression screening" \
    --indicator "$IND" --start 2025-04 --end 2025-09 --member "$CBC" 2>"$T/err"; then
    fail "Ontario enrolled a British Columbia clinic"
fi
grep -q "outside this authority's jurisdiction CA-ON" "$T/err" || fail "refusal unexplained: $(cat "$T/err")"
if "$HLNCTL" -d "$T/n3" collaborative create mine --name Mine --indicator "$IND" \
    --start 2025-01 --end 2025-06 2>"$T/err"; then
    fail "a clinic created a collaborative"
fi
ctl 2 collaborative create on-dep --name "Depression screening" --aim "Screen 70% of adults" \
    --indicator "$IND" --start 2025-04 --end 2025-09 --member "$CON" \
    --idea "PHQ-2 at intake: reception hands it out" --idea "Huddle review" --idea "Recall list"
ctl 2 target set "$IND" --value 70% --by 2025-09 --collaborative on-dep
ok "Ontario created the collaborative and its target; a BC member and a clinic's own collaborative were refused"

# 2. The member receives them and shares lessons; a lesson carrying an
# identifier is refused, exit 1, naming what was found.
wait_held 3 "$ON" CA-ON collaborative 1 30
wait_held 3 "$ON" CA-ON target 1 30
"$HLNCTL" -d "$T/n3" collaborative show on-dep | grep -q "idea 3 .*Recall list" || fail "collaborative show"
rc=0
"$HLNCTL" -d "$T/n3" lesson share --indicator "$IND" --period 2025-05 --result worked \
    --collaborative on-dep --idea 1 --text "Called back the patient born 12/03/1984 on 416-555-0199." \
    2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "a lesson with identifiers gave exit $rc"
grep -q 'date "12/03/1984"' "$T/err" && grep -q 'phone number "416-555-0199"' "$T/err" ||
    fail "the refusal does not name what it found: $(cat "$T/err")"
ctl 3 lesson share --indicator "$IND" --period 2025-05 --result worked --collaborative on-dep \
    --idea 1 --text "Reception hands the PHQ-2 to every adult; screening rose within two months."
echo "Evening clinics screened fewer adults; we moved the form to the portal." >"$T/lesson.txt"
ctl 3 lesson share --indicator "$IND" --period 2025-06 --result mixed --text-file "$T/lesson.txt"
ok "the member shared lessons; one carrying a date and a phone number was refused with exit 1"

# 3. Scopes: the authority holds the member's collaborative lesson; the
# outsider holds the clinic's CA lesson (shared after it) but nothing of the
# collaborative, though it peers with the clinic directly; nor does Canada.
wait_held 2 "$CON" CA-ON lesson 1 30
wait_held 4 "$CON" CA lesson 1 30
wait_held 1 "$CON" CA lesson 1 30
for t in collaborative target lesson; do
    [ "$(held 4 "$ON" CA-ON $t)" -eq 0 ] || fail "the outsider holds Ontario's $t"
    [ "$(held 1 "$ON" CA-ON $t)" -eq 0 ] || fail "Canada holds Ontario's $t"
done
[ "$(held 4 "$CON" CA-ON lesson)" -eq 0 ] || fail "the outsider holds the collaborative's lesson"
"$HLNCTL" -d "$T/n4" --json lesson list | python3 -c "
import json, sys
ls = json.load(sys.stdin)
assert len(ls) == 1 and ls[0]['collaborative'] == '' and ls[0]['result'] == 'mixed', ls" ||
    fail "the outsider's lesson list"
stop_node 4
out=$("$HOSTILE" request "$T/n4" "tcp://127.0.0.1:${PORT[3]}" "$CON" "$ON" CA-ON) || fail "request: $out"
[ "$out" = "announced=0 records=0" ] || fail "the clinic told or sent Ontario's feed to the outsider: $out"
out=$("$HOSTILE" request "$T/n4" "tcp://127.0.0.1:${PORT[3]}" "$CON" "$CON" CA-ON) || fail "request: $out"
[ "$out" = "announced=0 records=0" ] || fail "the clinic sent its collaborative lesson to the outsider: $out"
ok "the collaborative's records reached its member and its authority, not the BC clinic or Canada, even when asked"

# 4. The member withdraws its collaborative lesson with --erase: the text
# goes everywhere it went.
id=$("$HLNCTL" -d "$T/n3" --json lesson list --collaborative on-dep |
    python3 -c "import json,sys; print(json.load(sys.stdin)[0]['id'])")
if "$HLNCTL" -d "$T/n2" lesson retract "$id" --erase 2>/dev/null; then fail "Ontario withdrew the clinic's lesson"; fi
ctl 3 lesson retract "$id" --erase --reason "named a colleague"
deadline=$(($(now_ms) + 30000))
while "$HLNCTL" -d "$T/n2" --json lesson list | grep -q "$id"; do
    [ "$(now_ms)" -gt "$deadline" ] && fail "Ontario still shows the erased lesson"
    sleep 0.1
done
"$HLNCTL" -d "$T/n3" --json lesson list | grep -q "$id" && fail "the clinic still shows its erased lesson"
ok "an erased lesson is gone from the member and the authority; only its author could withdraw it"

# 5. improve: the same evaluation, byte for byte, on the member and the authority.
{
    echo "indicator,period,unit,stratum,numerator,denominator"
    m=1
    for v in 40 41 39 60 62 63 64 65 66 64 65 66; do
        printf '%s,2025-%02d,,,%d,100\n' "$IND" "$m" "$v"
        m=$((m + 1))
    done
} >"$T/obs.csv"
ctl 3 publish "$T/obs.csv" --scope CA-ON
wait_held 2 "$CON" CA-ON observation 12 30
"$HLNCTL" -d "$T/n2" --json improve "$IND" --collaborative on-dep >"$T/imp2.json" || fail "improve on Ontario"
"$HLNCTL" -d "$T/n3" --json improve "$IND" --collaborative on-dep >"$T/imp3.json" || fail "improve on the clinic"
cmp -s "$T/imp2.json" "$T/imp3.json" || fail "Ontario and the clinic disagree: $(diff "$T/imp2.json" "$T/imp3.json" | head)"
python3 - "$T/imp2.json" <<'PY' || fail "improve's evaluation"
import json, sys
r = json.load(open(sys.argv[1]))
u, = r["units"]
assert r["target"] == 0.7 and r["start"] == "2025-04" and r["end"] == "2025-09", r
assert u["baseline"]["points"] == 3 and "shift" in u["signals"], u["signals"]
assert u["improvement"] is True and u["target_met"] is False and u["sustained"] is True, u
PY
ok "improve over the collaborative: same bytes on two nodes, a shift after the start, the gain sustained"
# 6. The report: a page per collaborative, a run chart per member, the
# member's lessons next to it, the summary line.
ctl 3 lesson share --indicator "$IND" --period 2025-07 --result worked --collaborative on-dep \
    --idea 2 --text "A weekly huddle review of the screening list kept the gain."
wait_held 2 "$CON" CA-ON lesson 2 30
ctl 2 report --html "$T/report"
page="$T/report/collaborative/on-dep.html"
[ -f "$page" ] && [ -f "$T/report/collaborative/index.html" ] || fail "no collaborative page"
grep -q "<svg" "$page" || fail "no run chart"
grep -q "weekly huddle review" "$page" || fail "the lesson is not on the page"
grep -q "0 of 1 members reached the target; 1 show sustained improvement" "$page" ||
    fail "summary line: $(grep -o '<p><b>[^<]*' "$page")"
grep -q "Huddle review" "$page" || fail "the change package is not on the page"
ok "the report has the collaborative's page: change package, run chart, lessons, summary"
# The indicator pages gain each unit's run chart: the clinic's, its shift named.
ipage=$(ls "$T/report/$IND/"2025-12_*.html | head -1)
[ -n "$ipage" ] && grep -q '<h2 id="runs">Each unit over time</h2>' "$ipage" ||
    fail "no run charts on the indicator page ${ipage:-(none)}"
grep -q '<figcaption>ClinicON — shift' "$ipage" ||
    fail "the clinic's run chart: $(grep -o '<figcaption>[^<]*' "$ipage" | tail -3)"
ok "the indicator page $(basename "$ipage") has each unit's run chart"
exit 0
