#!/usr/bin/env bash
# demo.sh - a learning network on loopback: a global coordinator, three countries
# (Canada, France, Kenya), each with a national authority, a subnational authority
# and four organizations; governance as docs/GOVERNANCE.md says; twelve months of
# synthetic mental-health-in-primary-care and hospital indicators; gossip until
# every node holds what it should; benchmarks as an organization and as the global
# coordinator see them; national roll-ups; the public report.
#
# `make demo` runs it with BUILD set; the binaries are in $BUILD. Environment:
#   HLN_DEMO_MONTHS=N    months of data, 1-12 (default 12: 2025-01 to 2025-12)
#   HLN_DEMO_TIMEOUT=S   seconds to wait for each convergence (default 60)
#   HLN_DEMO_REPORT=DIR  where the public report goes (default $BUILD/demo-report)
#   HLN_DEMO_KEEP=1      keep the nodes' directories and logs (printed at the end)
# Every node listens on 127.0.0.1 at a free port; every hlnd started here is
# stopped (SIGTERM, then SIGKILL after 10 s) and waited for on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD=${BUILD:-build}
case "$BUILD" in /*) BIN="$BUILD" ;; *) BIN="$ROOT/$BUILD" ;; esac
HLNCTL="$BIN/hlnctl"
HLND="$BIN/hlnd"
NETWORK="$ROOT/configs/demo/network.ini"
CATALOGUE="$ROOT/configs/indicators.ini"
CONF="$ROOT/configs/demo/hlnd.conf"
MONTHS=${HLN_DEMO_MONTHS:-12}
TIMEOUT=${HLN_DEMO_TIMEOUT:-60}
REPORT=${HLN_DEMO_REPORT:-$BIN/demo-report}
YEAR=2025
SEED=20250101
PERIOD="$YEAR-12"                    # the period the tables show
INDICATOR=mhpc.depression-screening  # the indicator the tables show
VIEWER=ca-riverside                  # the organization whose view is shown

for b in "$HLNCTL" "$HLND"; do
    [ -x "$b" ] || { echo "demo: $b is not built (make all)" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "demo: python3 is needed (make deps)" >&2; exit 1; }
case "$MONTHS" in [1-9] | 1[0-2]) ;; *) echo "demo: HLN_DEMO_MONTHS must be 1 to 12" >&2; exit 2 ;; esac

WORK=$(mktemp -d /tmp/hln-demo-XXXXXX)
declare -a KEYS=()
declare -A LEVEL JUR ISSUER PEERS KIND NAME ID PORT PID=() EXPECT_SCOPE=() EXPECT_FEED=() ADMITTED=()
STOPPED=0
T0=$(date +%s%N)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
elapsed() { printf '%d.%d s' $((($(date +%s%N) - T0) / 1000000000)) $(((($(date +%s%N) - T0) / 100000000) % 10)); }

# Stop every hlnd started here: SIGTERM, wait up to 10 s, then SIGKILL; reap them all.
stop_all() {
    local k pid left deadline
    [ "$STOPPED" = 1 ] && return 0
    STOPPED=1
    for k in "${!PID[@]}"; do kill -TERM "${PID[$k]}" 2>/dev/null || true; done
    deadline=$(($(now_ms) + 10000))
    while :; do
        left=0
        for k in "${!PID[@]}"; do kill -0 "${PID[$k]}" 2>/dev/null && left=$((left + 1)); done
        [ "$left" -eq 0 ] && break
        if [ "$(now_ms)" -gt "$deadline" ]; then
            echo "demo: $left hlnd still running after 10 s; sending SIGKILL" >&2
            for k in "${!PID[@]}"; do kill -KILL "${PID[$k]}" 2>/dev/null || true; done
            break
        fi
        sleep 0.05
    done
    BAD_EXIT=""
    for k in "${!PID[@]}"; do
        pid=${PID[$k]}
        wait "$pid" 2>/dev/null || BAD_EXIT="$BAD_EXIT $k($?)"
    done
}

cleanup() {
    local rc=$?
    trap - EXIT
    set +e
    stop_all
    if [ "$rc" -ne 0 ] && [ -d "$WORK/logs" ]; then
        # The daemons' warnings and errors (syslog priorities 0-4), if any.
        for f in "$WORK"/logs/*.log; do
            grep -q '^<[0-4]>' "$f" 2>/dev/null && { echo "--- $f" >&2; grep '^<[0-4]>' "$f" | tail -5 >&2; }
        done
    fi
    if [ "${HLN_DEMO_KEEP:-0}" = 1 ]; then
        echo "demo: kept the network in $WORK (nodes/KEY: data directories, logs/KEY.log, data/KEY.csv)"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -t 1 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
SECTION=0
section() {
    SECTION=$((SECTION + 1))
    printf '\n%s== %d. %s%s  [%s]\n' "$BOLD" "$SECTION" "$1" "$PLAIN" "$(elapsed)"
}
# Show a command (with node keys instead of data directories) and run it.
show() {
    local k=$1 a line="\$ hlnctl -d $1"
    shift
    for a in "$@"; do [[ $a == *' '* ]] && line+=" \"$a\"" || line+=" $a"; done
    printf '%s\n' "$line"
    ctl "$k" "$@"
}
ctl() { "$HLNCTL" -d "$WORK/nodes/$1" "${@:2}"; }
die() {
    echo "demo: $*" >&2
    exit 1
}

country() { echo "${JUR[$1]%%-*}"; }
national_of() { local c; c=$(country "$1"); echo "${c,,}"; }

# Records a node should hold (docs/GOVERNANCE.md §12). The coordinator and
# the national authorities, which anchor it: every record in scope global.
# The other nodes anchor their national authority alone: its global feed
# (its self-description and roll-ups), not the coordinator's nor other
# countries'. Every node but the coordinator: its country's records once it
# is a member there (a feed scoped to a country goes only to members inside
# it; the national authority is the anchor).
expected() {
    local k=$1 n nat
    nat=$(national_of "$k")
    case "${LEVEL[$k]}" in
    global | national) n=${EXPECT_SCOPE[global]:-0} ;;
    *) n=${EXPECT_FEED[$nat/global]:-0} ;;
    esac
    if [ "${LEVEL[$k]}" = national ] || { [ "${LEVEL[$k]}" != global ] && [ -n "${ADMITTED[$k]:-}" ]; }; then
        n=$((n + ${EXPECT_SCOPE[$(country "$k")]:-0}))
        # A region's feeds (the collaborative's records) reach the nodes inside it.
        [ "${JUR[$k]}" != "$(country "$k")" ] && n=$((n + ${EXPECT_SCOPE[${JUR[$k]}]:-0}))
    fi
    echo "$n"
}

# count KEY SCOPE N: KEY authored N records in SCOPE.
count() {
    EXPECT_SCOPE[$2]=$((${EXPECT_SCOPE[$2]:-0} + $3))
    EXPECT_FEED[$1/$2]=$((${EXPECT_FEED[$1/$2]:-0} + $3))
}

# authored KEY OUTPUT: count the records a write command reported
# ("... in scope CA, seq 7-24", "member record 3 in scope global").
authored() {
    local line re1='in scope ([A-Za-z0-9-]+), seq ([0-9]+)-([0-9]+)' re2='record [0-9]+ in scope ([A-Za-z0-9-]+)'
    local re3='^published: unit .* in scope ([A-Za-z0-9-]+)'
    while IFS= read -r line; do
        if [[ $line =~ $re1 ]]; then
            count "$1" "${BASH_REMATCH[1]}" $((BASH_REMATCH[3] - BASH_REMATCH[2] + 1))
        elif [[ $line =~ $re2 ]] || [[ $line =~ $re3 ]]; then
            count "$1" "${BASH_REMATCH[1]}" 1
        fi
    done <<<"$2"
}

# write KEY ARGS...: run a write command on KEY, count what it authored, print its output.
write() {
    local k=$1 out who
    shift
    out=$(ctl "$k" "$@") || die "hlnctl -d $k $* failed"
    authored "$k" "$out"
    if [ "$1 $2" = "member issue" ]; then
        for who in "${KEYS[@]}"; do [ "${ID[$who]}" = "$3" ] && ADMITTED[$who]=1; done
    fi
    printf '%s\n' "$out"
}

# The record count a running node reports (hlnctl status --json answered by hlnd).
records_of() {
    local j
    j=$(ctl "$1" status --json 2>/dev/null) || { echo -1; return 0; }
    j=${j//[[:space:]]/}
    [[ $j =~ \"records\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo -1
}

# wait_converged WHAT: poll until every node holds at least the records it should.
wait_converged() {
    local what=$1 t0 deadline k have want pending
    t0=$(now_ms)
    deadline=$((t0 + TIMEOUT * 1000))
    declare -A done_=()
    while :; do
        pending=""
        for k in "${KEYS[@]}"; do
            [ -n "${done_[$k]:-}" ] && continue
            kill -0 "${PID[$k]}" 2>/dev/null || die "hlnd of $k died (see its log)"
            have=$(records_of "$k")
            want=$(expected "$k")
            if [ "$have" -ge "$want" ]; then done_[$k]=1; else pending="$pending $k:$have/$want"; fi
        done
        [ -z "$pending" ] && break
        [ "$(now_ms)" -gt "$deadline" ] && die "$what: not converged after ${TIMEOUT}s (node:held/expected):$pending"
        sleep 0.1
    done
    printf 'converged: %s; all %d nodes hold what they should (coordinator %d records; national authority/other nodes: Canada %d/%d, France %d/%d, Kenya %d/%d) after %d ms\n' \
        "$what" "${#KEYS[@]}" "$(expected global)" "$(expected ca)" "$(expected ca-on)" "$(expected fr)" \
        "$(expected fr-idf)" "$(expected ke)" "$(expected ke-30)" $(($(now_ms) - t0))
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------------------
section "The network: who runs a node (configs/demo/network.ini)"
while IFS=$'\t' read -r k lv j iss prs kd nm; do
    KEYS+=("$k")
    LEVEL[$k]=$lv JUR[$k]=$j ISSUER[$k]=$iss PEERS[$k]=$prs KIND[$k]=$kd NAME[$k]=$nm
done < <(python3 "$ROOT/scripts/demo_data.py" nodes "$NETWORK")
printf '%-14s %-19s %-7s %-13s %-32s %s\n' NODE LEVEL JURIS "ADMITTED BY" NAME "DIALS"
for k in "${KEYS[@]}"; do
    iss=${ISSUER[$k]} lv=${LEVEL[$k]}
    [ "$lv" = global ] && iss="(anchor)"
    [ "$lv" = organization ] && lv="org (${KIND[$k]/-/ })"
    printf '%-14s %-19s %-7s %-13s %-32s %s\n' "$k" "$lv" "${JUR[$k]/#-/global}" "$iss" "${NAME[$k]}" "${PEERS[$k]//,/ }"
done
echo "${#KEYS[@]} nodes: one hlnd each, on 127.0.0.1; data in $WORK"

# ---------------------------------------------------------------------------
section "Identities: hlnctl init on every node; the coordinator and the national authorities with --authority"
mkdir -p "$WORK/nodes" "$WORK/logs" "$WORK/data"
echo '$ hlnctl -d global init --authority --name "HLN Global Coordinator" --level global --jurisdiction global'
echo '$ hlnctl -d ca init --authority --name "..." --level national --jurisdiction CA    # France and Kenya alike'
for k in "${KEYS[@]}"; do
    args=(init --name "${NAME[$k]}" --level "${LEVEL[$k]}")
    [ "${JUR[$k]}" != - ] && args+=(--jurisdiction "${JUR[$k]}")
    case "${LEVEL[$k]}" in
    global | national)
        # Anchors itself and publishes its self-description in scope global.
        ID[$k]=$(ctl "$k" "${args[@]}" --authority 2>>"$WORK/logs/$k.init") || die "init $k: $(cat "$WORK/logs/$k.init")"
        count "$k" global 1 ;;
    *) ID[$k]=$(ctl "$k" "${args[@]}") || die "init $k" ;;
    esac
    PORT[$k]=$(free_port)
done
for k in global ca ca-on "$VIEWER"; do
    printf '%-14s %s  %s\n' "$k" "${ID[$k]}" "${NAME[$k]}"
done
echo "... and $((${#KEYS[@]} - 4)) more. A node id is all a peer needs: the CURVE key derives from it."

# ---------------------------------------------------------------------------
section "Trust anchors: a national authority trusts the coordinator; every other node its national authority alone"
anchor_global() { ctl "$1" trust add "${ID[global]}" --name "${NAME[global]}" --level global --jurisdiction global >/dev/null; }
anchor_national() {
    ctl "$1" trust add "${ID[$2]}" --name "${NAME[$2]}" --level national --jurisdiction "${JUR[$2]}" >/dev/null
}
printf '$ hlnctl -d ca trust add %s --name "%s" --level global --jurisdiction global   # each national authority\n' "${ID[global]}" "${NAME[global]}"
printf '$ hlnctl -d %s trust add %s --name "%s" --level national --jurisdiction CA     # every other Canadian node\n' "$VIEWER" "${ID[ca]}" "${NAME[ca]}"
for k in "${KEYS[@]}"; do
    case "${LEVEL[$k]}" in
    global) ;;
    national) anchor_global "$k" ;;
    *) anchor_national "$k" "$(national_of "$k")" ;;
    esac
done
show "$VIEWER" trust list

# ---------------------------------------------------------------------------
section "Peering and starting hlnd: each node dials its authority; the authority admits it"
for k in "${KEYS[@]}"; do
    [ "${PEERS[$k]}" = - ] && continue
    IFS=, read -ra ps <<<"${PEERS[$k]}"
    for p in "${ps[@]}"; do
        ctl "$k" peer add "${ID[$p]}" "tcp://127.0.0.1:${PORT[$p]}" --name "${NAME[$p]}" >/dev/null
        ctl "$p" peer add "${ID[$k]}" --name "${NAME[$k]}" >/dev/null
    done
done
for k in "${KEYS[@]}"; do
    "$HLND" -d "$WORK/nodes/$k" --listen "tcp://127.0.0.1:${PORT[$k]}" -c "$CONF" 2>>"$WORK/logs/$k.log" &
    PID[$k]=$!
done
deadline=$(($(now_ms) + TIMEOUT * 1000)) # a hang guard: a loaded or sanitized build starts slowly
for k in "${KEYS[@]}"; do
    # not `| grep -q`: under pipefail, grep leaving early would fail hlnctl with SIGPIPE
    until [[ $(ctl "$k" status --json 2>/dev/null) == *'"pid"'* ]]; do
        kill -0 "${PID[$k]}" 2>/dev/null || die "hlnd of $k exited at start: $(tail -3 "$WORK/logs/$k.log")"
        [ "$(now_ms)" -gt "$deadline" ] && die "hlnd of $k did not answer on its control socket"
        sleep 0.05
    done
done
echo "${#KEYS[@]} hlnd running on 127.0.0.1 ports ${PORT[global]}..., e.g. $VIEWER: hlnd -d nodes/$VIEWER --listen tcp://127.0.0.1:${PORT[$VIEWER]} -c configs/demo/hlnd.conf"
show "$VIEWER" peer list

# ---------------------------------------------------------------------------
section "Governance, top-down: the coordinator admits countries and sets the shared catalogue"
for k in "${KEYS[@]}"; do
    [ "${LEVEL[$k]}" = national ] || continue
    printf '$ hlnctl -d global member issue %s --name "%s" --level national --jurisdiction %s --from 2024-01-01\n' \
        "${ID[$k]:0:7}..." "${NAME[$k]}" "${JUR[$k]}"
    write global member issue "${ID[$k]}" --name "${NAME[$k]}" --level national --jurisdiction "${JUR[$k]}" --from 2024-01-01
done
echo '$ hlnctl -d global indicator define configs/indicators.ini      # scope global: every country receives it'
write global indicator define "$CATALOGUE"
wait_converged "the coordinator's records"

section "Governance in each country: the national authority adopts the global catalogue, sets the disclosure policy, admits members"
for k in "${KEYS[@]}"; do
    [ "${LEVEL[$k]}" = national ] || continue
    c=${JUR[$k]}
    echo "-- ${NAME[$k]} ($c)"
    printf '   $ hlnctl -d %s indicator adopt: ' "$k"
    write "$k" indicator adopt
    printf '   $ hlnctl -d %s policy set --min-cell 11 --scope %s: ' "$k" "$c"
    write "$k" policy set --min-cell 11 --scope "$c"
    for m in "${KEYS[@]}"; do
        [ "${ISSUER[$m]}" = "$k" ] || continue
        printf '   admits %-13s %-12s %-7s ' "$m" "${LEVEL[$m]}" "${JUR[$m]}"
        write "$k" member issue "${ID[$m]}" --name "${NAME[$m]}" --level "${LEVEL[$m]}" --jurisdiction "${JUR[$m]}"
    done
done
wait_converged "the national authorities' records"

section "Governance in each region: the subnational authority admits the organizations in its region"
for k in "${KEYS[@]}"; do
    [ "${LEVEL[$k]}" = subnational ] || continue
    echo "-- ${NAME[$k]} (${JUR[$k]}), itself admitted by ${NAME[${ISSUER[$k]}]}"
    for m in "${KEYS[@]}"; do
        [ "${ISSUER[$m]}" = "$k" ] || continue
        printf '   admits %-13s %-12s %-7s ' "$m" "${LEVEL[$m]}" "${JUR[$m]}"
        write "$k" member issue "${ID[$m]}" --name "${NAME[$m]}" --level "${LEVEL[$m]}" --jurisdiction "${JUR[$m]}"
    done
done
wait_converged "membership in every region"
show "$VIEWER" member list
show "$VIEWER" policy show

# ---------------------------------------------------------------------------
section "$MONTHS months of synthetic data (scripts/demo_data.py, seed $SEED)"
rows=$(python3 "$ROOT/scripts/demo_data.py" data "$NETWORK" "$CATALOGUE" "$WORK/data" \
    --months "$MONTHS" --seed "$SEED" --year "$YEAR")
first=$(printf '%s-%02d' "$YEAR" $((13 - MONTHS)))
echo "$rows rows for $first to $PERIOD (screening and falls by month, the rarer events by quarter), one CSV per organization"
echo "-- $VIEWER.csv (first lines): sites as units, strata by sex and age"
head -6 "$WORK/data/$VIEWER.csv" | sed 's/^/   /'
echo "-- ca-lakeshore.csv, $PERIOD: a small practice"
grep ",$PERIOD," "$WORK/data/ca-lakeshore.csv" | sed 's/^/   /'

section "Publishing: disclosure control withholds small cells (< 11) and their complements"
for k in "${KEYS[@]}"; do
    [ "${LEVEL[$k]}" = organization ] || continue
    out=$(ctl "$k" publish "$WORK/data/$k.csv") || die "publish on $k failed"
    authored "$k" "$out"
    printf '%-14s %s\n' "$k" "$(printf '%s\n' "$out" | tail -1)"
    printf '%s\n' "$out" >"$WORK/logs/$k.publish"
done
echo "-- what Lakeshore Family Practice withheld for $PERIOD and $YEAR-Q4:"
{ grep -E "^suppressed .* ($PERIOD|$YEAR-Q4) " "$WORK/logs/ca-lakeshore.publish" || true; } | head -6 | sed 's/^/   /'
wait_converged "$MONTHS months of observations"

# ---------------------------------------------------------------------------
section "What an organization sees: ${NAME[$VIEWER]}, $INDICATOR, $PERIOD, group CA"
echo "(its own units are marked '*'; the comparison group is its country's organizations)"
show "$VIEWER" bench "$INDICATOR" --period "$PERIOD" --group CA
echo
echo "author ids:"
for k in "${KEYS[@]}"; do
    [ "$(country "$k")" = CA ] && [ "${LEVEL[$k]}" = organization ] && printf '  %s  %s (%s)\n' "${ID[$k]:0:7}" "${NAME[$k]}" "${JUR[$k]}"
done

section "Learning over time: the outlier's own view of the year (hlnctl bench --trend)"
echo "(${NAME[ca-maple]} follows its own unit against Canada's organizations, month by month)"
show ca-maple bench "$INDICATOR" --trend --unit - --group CA

section "Every node reconciles the same evidence: the same digest on each Canadian node"
for k in "${KEYS[@]}"; do
    [ "$(country "$k")" = CA ] || continue
    d=$(ctl "$k" bench "$INDICATOR" --period "$PERIOD" --group CA --json | tr -d '[:space:]')
    [[ $d =~ \"digest\":\"([0-9a-f]+)\" ]] || die "no digest from $k"
    printf '%-14s %s\n' "$k" "${BASH_REMATCH[1]}"
done

# ---------------------------------------------------------------------------
section "A learning collaborative: Ontario Health on depression screening, April to September"
COLLAB=on-dep-2025
echo "(an aim, a target, a change package of three ideas; its records stay in CA-ON: they reach"
echo " its members and Ontario's nodes, no one else; docs/GOVERNANCE.md)"
show ca-on collaborative create "$COLLAB" --name "Ontario depression screening collaborative" \
    --aim "Screen 80% of adults seen in primary care for depression by September $YEAR" \
    --indicator "$INDICATOR" --start "$YEAR-04" --end "$YEAR-09" \
    --member "${ID[ca-riverside]}" --member "${ID[ca-lakeshore]}" \
    --idea "PHQ-2 at intake: reception hands the PHQ-2 to every adult with the intake form" \
    --idea "Huddle review: a weekly look at who was not screened" \
    --idea "Recall list: a nurse calls adults due for screening" || die "collaborative create"
show ca-on target set "$INDICATOR" --value 80% --by "$YEAR-09" --collaborative "$COLLAB" || die "target set"
count ca-on CA-ON 2 # the collaborative and its target
deadline=$(($(now_ms) + TIMEOUT * 1000))
for k in ca-riverside ca-lakeshore; do
    until ctl "$k" collaborative show "$COLLAB" >/dev/null 2>&1; do
        [ "$(now_ms)" -gt "$deadline" ] && die "$k never received the collaborative"
        sleep 0.1
    done
done
show ca-riverside collaborative show "$COLLAB"
echo "-- the members share what they tried; free text is screened for identifiers:"
rc=0
show ca-riverside lesson share --indicator "$INDICATOR" --period "$YEAR-05" --result worked \
    --collaborative "$COLLAB" --idea 1 --unit riverside-main \
    --text "Screened Mrs B., born 1961-03-12, call 416-555-0199" || rc=$?
[ "$rc" -eq 1 ] || die "a lesson carrying identifiers was not refused (exit $rc)"
show ca-riverside lesson share --indicator "$INDICATOR" --period "$YEAR-05" --result worked \
    --collaborative "$COLLAB" --idea 1 --unit riverside-main \
    --text "Reception hands out the PHQ-2 with the intake form; screening rose within two months and held." || die "lesson"
count ca-riverside CA-ON 1
show ca-riverside lesson share --indicator "$INDICATOR" --period "$YEAR-09" --result mixed \
    --collaborative "$COLLAB" --idea 3 --unit riverside-west \
    --text "The recall list worked while our nurse ran it; when she left in the summer, screening slipped back." || die "lesson"
count ca-riverside CA-ON 1
show ca-lakeshore lesson share --indicator "$INDICATOR" --period "$YEAR-07" --result too-early \
    --collaborative "$COLLAB" --idea 2 \
    --text "A weekly huddle is hard with two doctors; we started in July." || die "lesson"
count ca-lakeshore CA-ON 1
until [ "$(ctl ca-on lesson list --collaborative "$COLLAB" --json | grep -c '"result"')" -ge 3 ]; do
    [ "$(now_ms)" -gt "$deadline" ] && die "Ontario never received the lessons"
    sleep 0.1
done
wait_converged "the collaborative's records in CA-ON"
echo
echo "-- improvement over time, per clinic: run chart and p-chart from the baseline (before April),"
echo "   signals, target, and whether the gain held after September (docs/BENCHMARKS.md):"
show ca-on improve "$INDICATOR" --collaborative "$COLLAB" || die "improve"
d1=$(ctl ca-on improve "$INDICATOR" --collaborative "$COLLAB" --json | tr -d '[:space:]')
d2=$(ctl ca-riverside improve "$INDICATOR" --collaborative "$COLLAB" --json | tr -d '[:space:]')
[ "$d1" = "$d2" ] || die "Ontario and Riverside evaluate the collaborative differently"
echo "(Riverside computes the same evaluation, byte for byte: same digest)"
for k in ca-maple ca; do
    if ctl "$k" collaborative show "$COLLAB" >/dev/null 2>&1; then die "$k holds the collaborative"; fi
done
echo "(neither ${NAME[ca-maple]} in CA-BC nor ${NAME[ca]} holds it: its scope is CA-ON)"

# ---------------------------------------------------------------------------
section "Roll-up: each national authority publishes its country's pooled figures to the global scope"
# Every (indicator, period) the organizations reported: monthly or by quarter.
mapfile -t PAIRS < <(cat "$WORK"/data/*.csv | grep -v '^indicator,' | cut -d, -f1,2 | sort -u)
echo "(${#PAIRS[@]} indicator-periods per country; a roll-up pools the organizations' published totals:"
echo " a unit that withheld its counts cannot be included, and nothing is rolled up where every unit did)"
rollup_country() {
    local k=$1 pair
    for pair in "${PAIRS[@]}"; do
        ctl "$k" rollup "${pair%,*}" --period "${pair#*,}" --publish >"$WORK/logs/$k.rollup.$pair" 2>&1 || true
    done
}
rpids=()
for k in "${KEYS[@]}"; do
    [ "${LEVEL[$k]}" = national ] || continue
    rollup_country "$k" &
    rpids+=($!)
done
for p in "${rpids[@]}"; do wait "$p"; done
for k in "${KEYS[@]}"; do
    [ "${LEVEL[$k]}" = national ] || continue
    echo "\$ hlnctl -d $k rollup $INDICATOR --period $PERIOD --publish"
    sed 's/^/   /' "$WORK/logs/$k.rollup.$INDICATOR,$PERIOD"
    published=0 nothing=0
    for f in "$WORK"/logs/"$k".rollup.*; do
        if grep -q '^published: unit' "$f"; then
            authored "$k" "$(cat "$f")" # the total
            # and one observation per stratum beside it, in the same scope
            strata=$(grep -c '^  stratum ' "$f" || true)
            [ "$strata" -gt 0 ] &&
                count "$k" "$(sed -n 's/^published: unit .* in scope \([A-Za-z0-9-]*\).*/\1/p' "$f" | head -1)" "$strata"
            published=$((published + 1))
        elif grep -q 'nothing to roll up' "$f"; then
            nothing=$((nothing + 1))
        else
            die "hlnctl -d $k rollup failed: $(cat "$f")"
        fi
    done
    echo "   ${NAME[$k]}: $published roll-ups published in scope global; $nothing indicator-period(s) had every unit suppressed"
done
wait_converged "the national roll-ups"

section "What the global coordinator sees: national aggregates, $INDICATOR, $PERIOD"
show global bench "$INDICATOR" --period "$PERIOD" --group all

# ---------------------------------------------------------------------------
section "The public report (hlnctl report --html)"
rm -rf "$REPORT"
show global report --html "$REPORT" --title "HLN: mental health in primary care, national figures $YEAR"
[ -f "$REPORT/index.html" ] || die "no $REPORT/index.html"
echo "report: $REPORT/index.html"
show ca-on report --html "$REPORT/ontario" --group CA-ON --title "Ontario Health: depression screening collaborative $YEAR"
[ -f "$REPORT/ontario/collaborative/$COLLAB.html" ] || die "no collaborative page"
echo "collaborative: $REPORT/ontario/collaborative/$COLLAB.html"

section "Stopping the nodes"
# What each node should hold, for tests/t_demo.sh (HLN_DEMO_KEEP=1).
for k in "${KEYS[@]}"; do echo "$k $(expected "$k")"; done >"$WORK/expected"
stop_all
[ -z "$BAD_EXIT" ] || die "hlnd exited non-zero on SIGTERM:$BAD_EXIT"
echo "${#KEYS[@]} hlnd stopped cleanly (SIGTERM, exit 0)"
printf '\ndemo: ok in %s\n' "$(elapsed)"
