#!/usr/bin/env bash
# gossip_idle.sh - what two idle hlnd peers cost, per gossip setting: CPU seconds and bytes sent per idle hour.
# usage: BUILD=build [SECS=60] [SETTINGS="100/2000 20/2000 20/1000"] bash tests/perf/gossip_idle.sh
# Each setting is tick_ms/anti_entropy_ms. Two nodes trust and peer each other, each holding 1,000 records
# of its own in sync, then sit idle for SECS seconds; the CPU of each hlnd (/proc/PID/stat, user+sys) and
# the bytes it sent (hln_sync_sent_bytes_total from hlnctl metrics) over that time are scaled to an hour.
# Figures go to docs/PERFORMANCE.md ("Gossip timers"); nothing here asserts a speed.
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT" || exit 1
SECS=${SECS:-60}
SETTINGS=${SETTINGS:-"100/2000 20/2000 20/1000"}
. tests/lib_nodes.sh
HZ=$(getconf CLK_TCK)
cpu_s() { awk -v hz="$HZ" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
sent() { "$HLNCTL" -d "$T/n$1" metrics 2>/dev/null | awk '/^hln_sync_sent_bytes_total /{print $2}'; }
# Two national authorities of CA that anchor each other (each may define its
# own indicator and publish; each wants the other's feed).
for i in 0 1; do
    ID[$i]=$("$HLNCTL" -d "$T/n$i" init --name "node$i" --level national --jurisdiction CA) || fail "init"
    PORT[$i]=$(free_port)
done
"$HOSTILE" trust "$T/n0" "${ID[1]}" national CA || fail "trust"
"$HOSTILE" trust "$T/n1" "${ID[0]}" national CA || fail "trust"
link 0 1
for i in 0 1; do
    awk 'BEGIN{print "indicator,period,unit,stratum,numerator,denominator";
         for (i = 0; i < 1000; i++) printf "perf.idle,2026-Q3,u%04d,,%d,100\n", i, i % 90 + 10}' >"$T/f$i.csv"
    printf '[perf.idle]\ntitle = Idle\nversion = 1\ndomain = process\nkind = proportion\ndirection = higher\n' >"$T/ind.ini"
    "$HLNCTL" -d "$T/n$i" indicator define "$T/ind.ini" >/dev/null || fail "define"
    "$HLNCTL" -d "$T/n$i" publish "$T/f$i.csv" >/dev/null || fail "publish"
done
printf '| tick_ms | anti_entropy_ms | CPU s / idle hour (per node) | bytes sent / idle hour (per node) |\n|---:|---:|---:|---:|\n'
for s in $SETTINGS; do
    tick=${s%/*} ae=${s#*/}
    for i in 0 1; do
        write_conf "$i"
        sed -i "s/^tick_ms = .*/tick_ms = $tick/; s/^anti_entropy_ms = .*/anti_entropy_ms = $ae/" "$T/n$i.conf"
        start_node "$i"
    done
    have=$(( $(records 0) ))
    wait_records "$have" 60 1
    sleep 3 # settle: greetings and the first full clocks are not idle
    c0=$(cpu_s "${PID[0]}"); c1=$(cpu_s "${PID[1]}"); b0=$(sent 0); b1=$(sent 1)
    sleep "$SECS"
    c0b=$(cpu_s "${PID[0]}"); c1b=$(cpu_s "${PID[1]}"); b0b=$(sent 0); b1b=$(sent 1)
    awk -v t="$tick" -v a="$ae" -v s="$SECS" -v c="$c0b - $c0 + $c1b - $c1" \
        -v cc="$(awk -v a="$c0" -v b="$c0b" -v x="$c1" -v y="$c1b" 'BEGIN{print (b - a + y - x) / 2}')" \
        -v bb="$(( (b0b - b0 + b1b - b1) / 2 ))" \
        'BEGIN{printf "| %d | %d | %.1f | %.0f |\n", t, a, cc * 3600 / s, bb * 3600 / s}'
    stop_node 0
    stop_node 1
done
