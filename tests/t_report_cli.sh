#!/usr/bin/env bash
# t_report_cli.sh - hlnctl report counts as hlnctl bench does: every page's digest equals `bench --group G --json`'s, roll-ups included.
#
# The node: a national authority (CA) anchored in itself, four organizations
# it admitted (CA-ON twice, CA-QC, CA-BC) and their observations
# (tests/report_driver.c seed). The authority then publishes its own roll-up
# (unit CA): an aggregate, which must count in "all" and never beside the
# organizations it sums in CA.
set -u
BUILD=${BUILD:-build}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HLNCTL="$ROOT/$BUILD/hlnctl"
DRIVER="$ROOT/$BUILD/tests/report_driver"
for b in "$HLNCTL" "$DRIVER"; do
    [ -x "$b" ] || { echo "t_report_cli: $b not built (make $BUILD/tests/report_driver)" >&2; exit 1; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D="$T/node"
IND=mhpc.depression-screening
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# run WANT args...: hlnctl -d $D, stdout in $T/out, stderr in $T/err; a crash fails at once.
run() {
    local want=$1 rc=0
    shift
    "$HLNCTL" -d "$D" "$@" >"$T/out" 2>"$T/err" || rc=$?
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
page_digest() { grep -o 'id="digest">[0-9a-f]\{64\}' "$1" | sed 's/.*>//'; }
bench_digest() {
    "$HLNCTL" -d "$D" bench "$IND" --period "$1" --group "$2" --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])'
}
points() { grep -o '<circle class="unit' "$1" | wc -l; }

"$DRIVER" seed "$D" || { echo "t_report_cli: seed failed" >&2; exit 1; }

echo "# the authority rolls up 2026-Q2 and publishes it (unit CA, scope global)"
run 0 rollup "$IND" --period 2026-Q2 --publish --json
python3 -c "import json; d=json.load(open('$T/out')); assert d['published'] and d['unit']=='CA' and d['units']==14, d" ||
    fail "roll-up: $(cat "$T/out")"

echo "# report with the default group: the node's country, as bench"
run 0 report --html "$T/site"
grep -q "^report: 12 pages" "$T/out" || fail "want 12 pages (4 groups x 3 periods): $(cat "$T/out")"
[ -s "$T/err" ] && fail "report warned: $(cat "$T/err")"
[ -f "$T/site/$IND/2026-Q2_CA.html" ] || fail "no page for the default group CA"
[ -e "$T/site/$IND/2026-Q2_all.html" ] && fail "a page for 'all' without --group all"
for period in 2026-Q1 2026-Q2; do
    for g in CA CA-ON CA-QC CA-BC; do
        page="$T/site/$IND/${period}_$g.html"
        [ -f "$page" ] || { fail "no page $period $g"; continue; }
        want=$(bench_digest "$period" "$g")
        got=$(page_digest "$page")
        [ ${#want} -eq 64 ] && [ "$got" = "$want" ] ||
            fail "$period $g: the page's digest '$got' is not bench --group $g's '$want'"
    done
done
# The roll-up is no unit of CA: the 14 practices only, as the roll-up summed.
n=$(points "$T/site/$IND/2026-Q2_CA.html")
[ "$n" -eq 14 ] || fail "2026-Q2 CA: $n points, want the 14 organization units"
grep -q '<td>CA <abbr\|<td>CA</td>' "$T/site/$IND/2026-Q2_CA.html" && fail "the roll-up is a unit of CA"
grep -q 'href="'"$IND"'/2026-Q2_CA.html"' "$T/site/index.html" || fail "index lacks the CA page"

echo "# report --group all: the national roll-ups"
run 0 report --html "$T/all" --group all --period 2026-Q2
page="$T/all/$IND/2026-Q2_all.html"
[ -f "$page" ] || fail "no page for all"
want=$(bench_digest 2026-Q2 all)
[ "$(page_digest "$page")" = "$want" ] || fail "all: the page's digest is not bench --group all's ($want)"
n=$(points "$page")
[ "$n" -eq 1 ] || fail "all: $n points, want the one roll-up"
# the organizations of CA get their own page under "all", without the roll-up
[ "$(page_digest "$T/all/$IND/2026-Q2_CA.html")" = "$(bench_digest 2026-Q2 CA)" ] ||
    fail "all: the CA comparison page's digest is not bench --group CA's"

echo "# the gap to the ABC has bench's sign"
run 0 bench "$IND" --period 2026-Q2 --group CA --json
python3 - "$T/out" "$T/site/$IND/2026-Q2_CA.html" <<'EOF' || fail "the report's gaps differ from bench's"
import json, re, sys
d = json.load(open(sys.argv[1]))
html = open(sys.argv[2]).read()
for u in d["units"]:
    row = re.search(r'<td>' + re.escape(u["unit"]) + r'[ <].*?</tr>', html)
    assert row, u["unit"]
    cell = re.findall(r'<td class="n">([^<]*)</td>', row.group(0))[-1]
    want = "%+.1f pp" % (u["gap_to_abc"] * 100)
    assert cell == want, (u["unit"], cell, want)
EOF

if [ $fails -ne 0 ]; then
    echo "t_report_cli: $fails failure(s)" >&2
    exit 1
fi
echo "t_report_cli: ok"
