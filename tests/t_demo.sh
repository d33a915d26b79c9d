#!/bin/bash
# t_demo.sh - `make demo` as it runs (12 months, which the collaborative
# needs: a baseline before April, its months, the months after September):
# it exits 0, every node ends up holding exactly the records it should (the
# coordinator only global ones), every Canadian node computes the same
# digest, the organization's and the global coordinator's tables are
# printed, the outlier is flagged, suppressed cells are shown, the report is
# written, the collaborative ran (its lessons, its report page, improve's
# shift for the two Riverside clinics and the west clinic's fading gain),
# and no hlnd is left.
#
# It checks what the demo did, not how fast: a loaded machine (CI, shared
# cores) may take minutes. The only time limits are hang guards, not
# assertions about speed: HLN_DEMO_TIMEOUT bounds each convergence wait (the
# demo polls and moves on as soon as the nodes agree) and `timeout` stops a
# demo that hangs altogether after DEMO_GUARD seconds.
set -u
BUILD=${BUILD:-build}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
case "$BUILD" in /*) BIN="$BUILD" ;; *) BIN="$ROOT/$BUILD" ;; esac
for b in "$BIN/hlnd" "$BIN/hlnctl"; do
    [ -x "$b" ] || { echo "missing $b (make all)"; exit 1; }
done
DEMO_GUARD=${DEMO_GUARD:-600}
T=$(mktemp -d /tmp/hln-t-demo-XXXXXX)
WORK=""
# The demo keeps its nodes (HLN_DEMO_KEEP=1) so their stores can be read
# here; this test removes them.
trap 'rm -rf "$T"; [ -n "$WORK" ] && rm -rf "$WORK"' EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$T/out" ] && { echo "--- demo output (last 40 lines)"; tail -40 "$T/out"; }
    exit 1
}
ok() { echo "ok: $*"; }

rc=0
HLN_DEMO_MONTHS=12 HLN_DEMO_TIMEOUT=300 HLN_DEMO_KEEP=1 HLN_DEMO_REPORT="$T/report" BUILD="$BUILD" \
    timeout -k 30 "$DEMO_GUARD" bash "$ROOT/scripts/demo.sh" >"$T/out" 2>"$T/err" || rc=$?
# The network's temporary directory, from the demo's own words.
WORK=$(sed -n 's/.*; data in \(\/tmp\/hln-demo-[A-Za-z0-9]*\)$/\1/p' "$T/out" | head -1)
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    fail "the demo hung: still running after ${DEMO_GUARD}s (a hang guard, not a speed limit)"
fi
[ "$rc" -eq 0 ] || { cat "$T/err"; fail "demo exited $rc"; }
grep -q '^demo: ok' "$T/out" || fail "no 'demo: ok' line"
ok "demo exited 0 ($(sed -n 's/^demo: ok in //p' "$T/out"))"
[ -n "$WORK" ] || fail "the demo did not say where its nodes live"
grep -q "^demo: kept the network in $WORK " "$T/out" || fail "the demo did not keep $WORK as asked"
[ -d "$WORK/nodes" ] || fail "no $WORK/nodes"

# Nothing left running: no hlnd of this run, every one stopped cleanly.
if pgrep -af -- "$WORK/"; then fail "hlnd processes of the demo remain"; fi
grep -Eq '^19 hlnd stopped cleanly' "$T/out" || fail "the nodes were not all stopped cleanly"
ok "19 hlnd stopped cleanly; none left"

# Records: each node's store holds exactly what the demo says it should
# (organization data stays in its country; the coordinator holds only
# global records), with no fork and nobody flagged.
last=$(grep '^converged: ' "$T/out" | tail -1)
# The demo's own account, node by node (a national authority anchors the
# coordinator; the other nodes anchor their national authority alone; a
# region's nodes also hold its collaborative).
[ -s "$WORK/expected" ] || fail "the demo wrote no $WORK/expected"
declare -A WANT=()
while read -r k w; do WANT[$k]=$w; done <"$WORK/expected"
[[ $last =~ coordinator\ ([0-9]+)\ records ]] && [ "${BASH_REMATCH[1]}" -eq "${WANT[global]}" ] ||
    fail "the last convergence line and $WORK/expected disagree: $last"
n=0
for d in "$WORK"/nodes/*; do
    k=$(basename "$d")
    want=${WANT[$k]:-}
    [ -n "$want" ] || fail "node $k is not in the demo's account"
    j=$("$BIN/hlnctl" -d "$d" status --json 2>"$T/status.err") || fail "hlnctl status on $k: $(cat "$T/status.err")"
    j=${j//[[:space:]]/}
    [[ $j =~ \"records\":([0-9]+) ]] || fail "no record count for $k"
    [ "${BASH_REMATCH[1]}" -eq "$want" ] || fail "$k holds ${BASH_REMATCH[1]} records, not $want"
    [[ $j == *'"fork_proofs":0'* ]] || fail "$k holds a fork proof: $j"
    [[ $j == *'"flagged_authors":0'* ]] || fail "$k flagged someone: $j"
    n=$((n + 1))
done
[ "$n" -eq 19 ] || fail "$n node directories, not 19"
ok "every node holds exactly its records (coordinator ${WANT[global]}, Canada's authority ${WANT[ca]}, Riverside ${WANT[ca-riverside]}, Maple ${WANT[ca-maple]}); no forks, no flags"

# The two tables: the organization's (group CA) and the coordinator's (group all).
section() { awk -v s="$1" 'index($0, s) { on = 1; next } on && /^== [0-9]+\./ { exit } on' "$T/out"; }
section "What an organization sees" >"$T/org"
section "What the global coordinator sees" >"$T/global"
grep -q '^mhpc.depression-screening  2025-12  group CA ' "$T/org" || fail "no organization table (group CA)"
grep -q '^mhpc.depression-screening  2025-12  group all ' "$T/global" || fail "no global table (group all)"
grep -q '^\* ' "$T/org" || fail "the organization's own units are not marked"
for c in CA FR KE; do
    grep -Eq "^  [A-Z0-9]{7} $c " "$T/global" || fail "the global table lacks the roll-up of $c"
done
ok "both tables printed: own units marked, three national roll-ups"

# The outlier: Maple Ridge, far below on depression screening.
MAPLE=$(sed -n 's/^  \([A-Z0-9]\{7\}\)  Maple Ridge Medical Clinic.*/\1/p' "$T/org")
[ -n "$MAPLE" ] || fail "no author id for Maple Ridge in the legend"
# With overdispersion present the places are read against widened
# (random-effects) limits, under which three months put it below the 95% one.
grep "^  $MAPLE " "$T/org" | grep -Eq 'low-(95|99\.8) +worse' ||
    fail "the outlier is not below the limits and worse: $(grep "^  $MAPLE " "$T/org")"
ok "the outlier $MAPLE is below the limits, worse"

# Suppressed cells: published as such, and shown in the organization's table.
grep -Eq 'published [0-9]+ observations \([1-9][0-9]* suppressed\)' "$T/out" || fail "no suppressed cells published"
grep -q '^suppressed line' "$T/out" || grep -q '   suppressed line' "$T/out" || fail "no suppressed row shown"
grep -Eq '^\*? +[A-Z0-9]{7} [a-z0-9().-]+ +suppressed' "$T/org" || fail "no suppressed unit in the organization's table"
ok "suppressed cells published and listed"

[ -f "$T/report/index.html" ] || fail "no report index.html"
grep -q "report: $T/report/index.html" "$T/out" || fail "the report's path is not printed"
grep -q '<title>HLN: mental health in primary care, national figures 2025' "$T/report/index.html" ||
    fail "the report's index has not the demo's title"
for m in 2025-10 2025-11 2025-12; do
    [ -f "$T/report/mhpc.depression-screening/${m}_all.html" ] || fail "no report page for $m"
done
ok "report written: $(find "$T/report" -name '*.html' | wc -l) pages, one per month of the shown indicator"

# The same evidence everywhere: one digest on every Canadian node.
section "Every node reconciles the same evidence" >"$T/digests"
digests=$(grep -Eo '^[a-z-]+ +[0-9a-f]{64}$' "$T/digests" | awk '{ print $2 }')
[ "$(printf '%s\n' "$digests" | grep -c .)" -eq 6 ] || fail "not six Canadian digests: $(cat "$T/digests")"
[ "$(printf '%s\n' "$digests" | sort -u | wc -l)" -eq 1 ] || fail "the Canadian nodes disagree: $(cat "$T/digests")"
ok "the six Canadian nodes compute one digest"

# The collaborative: Ontario Health's, on depression screening, April to
# September, with Riverside and Lakeshore (scripts/demo.sh, demo_data.py).
COLLAB=on-dep-2025 IND=mhpc.depression-screening
grep -q 'the text refused: it looks like it carries an identifier: date "1961-03-12"' "$T/err" ||
    fail "the lesson carrying a date of birth was not refused, naming it"
lessons=$("$BIN/hlnctl" -d "$WORK/nodes/ca-on" --json lesson list --collaborative "$COLLAB" |
    grep -c '"result"')
[ "$lessons" -eq 3 ] || fail "Ontario holds $lessons of the collaborative's 3 lessons"
for k in ca-maple ca; do
    held=$("$BIN/hlnctl" -d "$WORK/nodes/$k" --json collaborative list | grep -c '"code"')
    [ "$held" -eq 0 ] || fail "$k holds the collaborative (its scope is CA-ON)"
done
ok "the collaborative's 3 lessons reached Ontario, the refused one named its date; CA-BC and Canada hold none of it"

page="$T/report/ontario/collaborative/$COLLAB.html"
[ -f "$page" ] && [ -f "$T/report/ontario/collaborative/index.html" ] || fail "no collaborative page in the report"
grep -q "<svg" "$page" || fail "no run chart on the collaborative page"
grep -q "Reception hands out the PHQ-2" "$page" || fail "the lesson is not on the collaborative page"
grep -q "Recall list" "$page" || fail "the change package is not on the collaborative page"
grep -q '<h2 id="runs">Each unit over time</h2>' "$T/report/ontario/$IND/2025-12_CA-ON.html" ||
    fail "Ontario's indicator page has no run charts"
ok "the report has the collaborative's page (run charts, change package, lessons) and run charts on the indicator pages"

"$BIN/hlnctl" -d "$WORK/nodes/ca-on" --json improve "$IND" --collaborative "$COLLAB" >"$T/improve.json" ||
    fail "improve on Ontario"
python3 - "$T/improve.json" <<'PY' || fail "improve's evaluation of the collaborative: $(head -c 400 "$T/improve.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["start"] == "2025-04" and r["end"] == "2025-09" and r["target"] == 0.8, r
units = {u["unit"]: u for u in r["units"] if u["name"] == "Riverside Family Health Team"}
for k in ("riverside-main", "riverside-east"):  # a real shift from April, kept
    u = units[k]
    assert "shift" in u["signals"] and u["improvement"] is True and u["sustained"] is True, (k, u["signals"], u["improvement"], u["sustained"])
w = units["riverside-west"]  # a gain that fades by October
assert w["improvement"] is True and w["sustained"] is False, ("riverside-west", w["signals"], w["sustained"])
PY
ok "improve: a sustained shift for riverside-main and riverside-east, no sustained gain for riverside-west"
