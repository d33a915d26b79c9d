#!/bin/bash
# t_demo.sh - `make demo` in a quicker mode (3 months): it exits 0, prints the
# organization's and the global coordinator's tables, flags the outlier, shows
# suppressed cells, writes the report and leaves no hlnd behind.
set -u
BUILD=${BUILD:-build}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
for b in "$BUILD/hlnd" "$BUILD/hlnctl"; do
    [ -x "$b" ] || { echo "missing $b (make all)"; exit 1; }
done
T=$(mktemp -d /tmp/hln-t-demo-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$T/out" ] && { echo "--- demo output (last 40 lines)"; tail -40 "$T/out"; }
    exit 1
}
ok() { echo "ok: $*"; }

t0=$(date +%s)
rc=0
HLN_DEMO_MONTHS=3 HLN_DEMO_TIMEOUT=30 HLN_DEMO_REPORT="$T/report" BUILD="$BUILD" \
    bash "$ROOT/scripts/demo.sh" >"$T/out" 2>"$T/err" || rc=$?
secs=$(($(date +%s) - t0))
[ "$rc" -eq 0 ] || { cat "$T/err"; fail "demo exited $rc"; }
grep -q '^demo: ok' "$T/out" || fail "no 'demo: ok' line"
ok "demo exited 0 in ${secs}s"
limit=60
[ -n "${HLN_SLOW:-}" ] && limit=240 # sanitizer builds
[ "$secs" -le "$limit" ] || fail "the demo took ${secs}s (over $limit)"

# The network's temporary directory, from the demo's own words.
WORK=$(sed -n 's/.*; data in \(\/tmp\/hln-demo-[A-Za-z0-9]*\)$/\1/p' "$T/out" | head -1)
[ -n "$WORK" ] || fail "the demo did not say where its nodes live"

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
grep "^  $MAPLE " "$T/org" | grep -q 'low-99.8 *worse' ||
    fail "the outlier is not below the 99.8% limit and worse: $(grep "^  $MAPLE " "$T/org")"
ok "the outlier $MAPLE is low-99.8, worse"

# Suppressed cells: published as such, and shown in the organization's table.
grep -Eq 'published [0-9]+ observations \([1-9][0-9]* suppressed\)' "$T/out" || fail "no suppressed cells published"
grep -q '^suppressed line' "$T/out" || grep -q '   suppressed line' "$T/out" || fail "no suppressed row shown"
grep -Eq '^\*? +[A-Z0-9]{7} [a-z0-9().-]+ +suppressed' "$T/org" || fail "no suppressed unit in the organization's table"
ok "suppressed cells published and listed"

[ -f "$T/report/index.html" ] || fail "no report index.html"
grep -q "report: $T/report/index.html" "$T/out" || fail "the report's path is not printed"
ok "report written: $(find "$T/report" -name '*.html' | wc -l) pages"

# Nothing left: no hlnd of this run, and its directory removed.
if pgrep -af -- "$WORK/"; then fail "hlnd processes of the demo remain"; fi
[ ! -e "$WORK" ] || fail "$WORK was not removed"
ok "no hlnd left; $WORK removed"
