#!/usr/bin/env bash
# t_report_browser.sh - renders the public report in headless Chromium: the DOM holds the funnel SVG, one point and row per unit, the digest; a screenshot is a real picture.
set -u
BUILD=${BUILD:-build}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DRIVER="$ROOT/$BUILD/tests/report_driver"
HLNCTL="$ROOT/$BUILD/hlnctl"

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: no browser (install the Debian package chromium to run t_report_browser)"
    exit 0
fi
HAVE_CLI=0
[ -x "$HLNCTL" ] && "$HLNCTL" help report >/dev/null 2>&1 && HAVE_CLI=1
if [ ! -x "$DRIVER" ] && [ $HAVE_CLI -eq 0 ]; then
    echo "t_report_browser: neither $DRIVER nor an hlnctl with 'report' is built" >&2
    exit 1
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# A crash (exit >= 128, a sanitizer abort) fails at once.
must() {
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL ($rc): $*" >&2
        sed 's/^/  | /' "$T/err" >&2
        exit 1
    fi
}

# Chromium with everything that phones home or needs a desktop turned off,
# and its own throwaway profile. It prints D-Bus noise on stderr: kept apart.
browse() {
    local profile
    profile=$(mktemp -d "$T/profile.XXXXXX")
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --user-data-dir="$profile" "$@" 2>>"$T/chromium.log"
}

if [ -x "$DRIVER" ]; then
    echo "# a demo node: four organizations, two indicators, one suppressed unit"
    must "$DRIVER" seed "$T/node"
    PERIOD=2026-Q2
    # the default group, as for hlnctl bench: the node's country
    GROUP=CA
else
    # make asan builds only the cmocka tests and programs: seed with hlnctl itself.
    echo "# a node made with hlnctl: the sample catalogue, 14 practices, one small cell"
    must "$HLNCTL" -d "$T/node" init --name 'Clinique <Saint & Jean> "Nord"' --level national \
        --jurisdiction CA
    must "$HLNCTL" -d "$T/node" indicator define "$ROOT/configs/indicators.ini"
    # It stands in its own trust view; an authority's observations are
    # roll-ups, which count in the group all (docs/BENCHMARKS.md).
    must "$HLNCTL" -d "$T/node" id
    must "$HLNCTL" -d "$T/node" trust add "$(cat "$T/out")" --level national --jurisdiction CA
    {
        echo "indicator,period,unit,stratum,numerator,denominator"
        i=0
        for c in 45:120 88:150 30:95 140:210 61:80 17:60 205:260 52:131 99:140 12:40 \
            160:300 73:90 420:700 25:45; do
            i=$((i + 1))
            printf 'mhpc.depression-screening,2026-Q3,practice-%02d,,%s,%s\n' $i ${c%%:*} ${c##*:}
        done
        echo "mhpc.depression-screening,2026-Q3,practice-15,,3,9"
    } >"$T/obs.csv"
    must "$HLNCTL" -d "$T/node" publish "$T/obs.csv"
    PERIOD=2026-Q3
    GROUP=all
fi

# The real CLI when it has the command, else the driver calling the same function.
if [ $HAVE_CLI -eq 1 ]; then
    echo "# hlnctl report"
    # shellcheck disable=SC2046
    must "$HLNCTL" -d "$T/node" report --html "$T/site" $([ $GROUP = all ] && echo --group all)
else
    echo "# report_driver report (hlnctl has no report command yet)"
    # shellcheck disable=SC2046
    must "$DRIVER" report "$T/node" --html "$T/site" $([ $GROUP = all ] && echo --group all)
fi
grep -q "^report: [0-9]* pages\?" "$T/out" || fail "no summary line: $(cat "$T/out")"
if [ "$PERIOD" = 2026-Q2 ]; then
    # CA and its subdivisions with organizations (ON, QC, BC), for 3 periods
    grep -q "report: 12 pages" "$T/out" || fail "expected 12 pages: $(cat "$T/out")"
fi

PAGE="$T/site/mhpc.depression-screening/${PERIOD}_$GROUP.html"
[ -f "$T/site/index.html" ] || fail "no index.html"
[ -f "$PAGE" ] || { fail "no page for $PERIOD"; exit 1; }
DIGEST=$(grep -o 'id="digest">[0-9a-f]\{64\}' "$PAGE" | sed 's/.*>//')
[ ${#DIGEST} -eq 64 ] || fail "no digest in the page"
if [ $HAVE_CLI -eq 1 ]; then
    # the page counts as hlnctl bench does: the same digest for the same group
    "$HLNCTL" -d "$T/node" bench mhpc.depression-screening --period "$PERIOD" --group "$GROUP" \
        --json >"$T/bench.json" || fail "hlnctl bench --group $GROUP"
    want=$(python3 -c "import json; print(json.load(open('$T/bench.json'))['digest'])")
    [ "$DIGEST" = "$want" ] || fail "the page's digest $DIGEST is not bench --group $GROUP's $want"
fi

echo "# the rendered DOM"
browse --dump-dom "file://$PAGE" >"$T/dom.html"
[ -s "$T/dom.html" ] || { fail "chromium printed no DOM (see below)"; tail -5 "$T/chromium.log" >&2; exit 1; }
grep -q '<svg' "$T/dom.html" || fail "no svg in the DOM"
n=$(grep -o '<circle class="unit' "$T/dom.html" | wc -l)
[ "$n" -eq 14 ] || fail "$n points in the DOM, want 14"
n=$(grep -o '<tr class="unit">' "$T/dom.html" | wc -l)
[ "$n" -eq 14 ] || fail "$n table rows in the DOM, want 14"
grep -q "$DIGEST" "$T/dom.html" || fail "the digest is not in the DOM"
grep -q 'practice-15' "$T/dom.html" || fail "the suppressed unit is not listed"
# the hostile name and title arrive as text, not as elements
grep -q 'Clinique &lt;Saint &amp; Jean&gt;' "$T/dom.html" || fail "the organization's name is not text"
if [ "$PERIOD" = 2026-Q2 ]; then
    grep -q '&lt;adults&gt;' "$T/dom.html" || fail "the indicator's title is not text"
fi
grep -qi '<script' "$T/dom.html" && fail "a script element in the DOM"

echo "# the index links every indicator"
browse --dump-dom "file://$T/site/index.html" >"$T/index.html"
grep -q "href=\"mhpc.depression-screening/${PERIOD}_$GROUP.html\"" "$T/index.html" ||
    fail "index lacks the $PERIOD link"
if [ "$PERIOD" = 2026-Q2 ]; then
    grep -q 'href="mhpc.crisis-admissions/2026_CA.html"' "$T/index.html" || fail "index lacks the rate indicator"
fi

echo "# a screenshot"
(cd "$T" && browse --screenshot="$T/shot.png" --window-size=1000,1800 "file://$PAGE" >/dev/null)
if [ ! -s "$T/shot.png" ]; then
    fail "no screenshot"
else
    magic=$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')
    [ "$magic" = "89504e470d0a1a0a" ] || fail "the screenshot is not a PNG"
    size=$(stat -c %s "$T/shot.png")
    # A blank page compresses to a few kilobytes; text, tables and a plot do not.
    [ "$size" -gt 40000 ] || fail "the screenshot is only $size bytes: nothing drawn?"
    # PNG IHDR: width and height, big-endian, at bytes 16-23
    w=$((16#$(od -An -tx1 -j16 -N4 "$T/shot.png" | tr -d ' \n')))
    h=$((16#$(od -An -tx1 -j20 -N4 "$T/shot.png" | tr -d ' \n')))
    [ "$w" -ge 800 ] && [ "$h" -ge 800 ] || fail "screenshot is ${w}x${h}"
    echo "screenshot: ${w}x${h}, $size bytes"
fi

if [ $fails -ne 0 ]; then
    echo "t_report_browser: $fails failure(s)" >&2
    exit 1
fi
echo "t_report_browser: ok"
