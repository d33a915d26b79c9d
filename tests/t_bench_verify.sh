#!/bin/bash
# t_bench_verify.sh - hlnctl bench verify on real hlnd processes: agreement, a peer behind on a feed, agreement after sync.
#
# n0 Canada (national, CA)   n1 Clinic Alpha (CA-ON)   n2 Clinic Beta (CA-QC)
# Links: n1-n0, n2-n0, n1-n2 (a triangle: each node has two peers to ask).
. "$(dirname "$0")/lib_nodes.sh"

IND=mhpc.depression-screening
declare -a NAME=("Canada MoH" "Clinic Alpha" "Clinic Beta")
declare -a LEVEL=(national organization organization)
declare -a JUR=(CA CA-ON CA-QC)

ctl() { "$HLNCTL" -d "$T/n$1" "${@:2}"; }

# run WANT_EXIT NODE ARGS...: hlnctl on node NODE, stdout in $T/out, stderr in $T/err.
run() {
    local want=$1 node=$2 rc=0
    shift 2
    timeout 20 "$HLNCTL" -d "$T/n$node" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ $rc -ge 124 ] && { cat "$T/err"; fail "CRASH or TIMEOUT ($rc): hlnctl $*"; }
    [ "$rc" = "$want" ] || { cat "$T/out" "$T/err"; fail "hlnctl -d n$node $* exited $rc, want $want"; }
    [ -n "${SHOW:-}" ] && { echo "\$ hlnctl -d n$node $*"; cat "$T/out"; }
    return 0
}
out_has() { grep -q -- "$1" "$T/out" || { cat "$T/out"; fail "stdout lacks '$1'"; }; }
err_has() { grep -q -- "$1" "$T/err" || { cat "$T/err"; fail "stderr lacks '$1'"; }; }
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

for i in 0 1 2; do
    ID[$i]=$("$HLNCTL" -d "$T/n$i" init --name "${NAME[$i]}" --level "${LEVEL[$i]}" \
        --jurisdiction "${JUR[$i]}") || fail "init n$i"
    PORT[$i]=$(free_port)
    write_conf "$i"
done
for i in 0 1 2; do ctl $i trust add "${ID[0]}" --name Canada --level national --jurisdiction CA || fail "trust"; done
ctl 0 member issue "${ID[1]}" --name "${NAME[1]}" --level organization --jurisdiction CA-ON >/dev/null || fail "member n1"
ctl 0 member issue "${ID[2]}" --name "${NAME[2]}" --level organization --jurisdiction CA-QC >/dev/null || fail "member n2"
cat >"$T/ind.ini" <<EOF
[$IND]
title = Depression screening with follow-up plan
version = 1
domain = process
kind = proportion
direction = higher
strata = sex=female, sex=male
EOF
ctl 0 indicator define "$T/ind.ini" --scope CA >/dev/null || fail "define"
plink() {
    ctl "$1" peer add "${ID[$2]}" "tcp://127.0.0.1:${PORT[$2]}" --name "n$2" >/dev/null || fail "peer add $1 $2"
    ctl "$2" peer add "${ID[$1]}" --name "n$1" >/dev/null || fail "peer add $2 $1"
}
plink 1 0
plink 2 0
plink 1 2

# Usage errors before anything runs; no daemon yet.
run 2 1 bench verify --period 2026-Q3
err_has "an indicator code is required"
run 2 1 bench verify "$IND"
err_has "period P is required"
run 2 1 bench verify "$IND" --period 2026-Q3 --group Canada
run 2 1 bench verify "$IND" --period 2026-Q3 --method fancy
run 0 1 bench verify --help
out_has "usage: hlnctl"
run 1 1 bench verify "$IND" --period 2026-Q3
err_has "hlnd is not running"
ok "usage errors exit 2; without hlnd, exit 1"

for i in 0 1 2; do start_node $i; done
has_def() { ctl "$1" indicator list --json | grep -q "\"$IND\""; }
for i in 1 2; do until_ok 30 "n$i receives the indicator" has_def $i; done

cat >"$T/alpha.csv" <<EOF
indicator,period,unit,stratum,numerator,denominator
$IND,2026-Q3,,,412,530
$IND,2026-Q3,east,,150,260
EOF
cat >"$T/beta.csv" <<EOF
indicator,period,unit,stratum,numerator,denominator
$IND,2026-Q3,,,300,410
$IND,2026-Q3,tiny,,3,8
EOF
ctl 1 publish "$T/alpha.csv" >/dev/null || fail "publish alpha"
ctl 2 publish "$T/beta.csv" >/dev/null 2>&1 || fail "publish beta"

# in_sync: the three stores hold the same number of records.
in_sync() {
    local a b c
    a=$(records 0) b=$(records 1) c=$(records 2)
    [ -n "$a" ] && [ "$a" = "$b" ] && [ "$b" = "$c" ] && [ "$a" -ge 7 ]
}
until_ok 30 "the three nodes converge" in_sync
ok "three nodes up and in sync ($(records 0) records each)"

# 1. Same evidence: every peer agrees.
run 0 1 bench verify "$IND" --period 2026-Q3
out_has "2 of 2 peers answered, 2 agree"
out_has "n0 .* answered .* yes"
run 0 1 bench verify "$IND" --period 2026-Q3 --json
[ "$(jget 'd["all_agree"]')" = True ] || fail "JSON: all_agree"
[ "$(jget 'd["answered"]')" = 2 ] || fail "JSON: answered"
[ "$(jget 'd["query"]["group"]')" = CA ] || fail "JSON: the default group is the node's country"
[ "$(jget 'd["local"]["counted"]')" = 3 ] || fail "JSON: 3 units counted"
[ "$(jget 'd["local"]["suppressed"]')" = 1 ] || fail "JSON: 1 suppressed"
[ "$(jget 'len(d["peers"][0]["digest"])')" = 64 ] || fail "JSON: peer digest"
[ "$(jget 'd["peers"][0]["digest"] == d["local"]["digest"]')" = True ] || fail "JSON: digest equal"
# The digest is the one hlnctl bench prints.
bd=$(ctl 1 bench "$IND" --period 2026-Q3 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
[ "$(jget 'd["local"]["digest"]')" = "$bd" ] || fail "verify's digest differs from hlnctl bench's"
run 0 0 bench verify "$IND" --period 2026-Q3 --group all
run 0 2 bench verify "$IND" --period 2026-Q3 --stratum sex=female
ok "same evidence: all agree (digest = hlnctl bench's; other groups and strata too)"

# A query for an indicator nobody defined.
run 1 1 bench verify no.such-indicator --period 2026-Q3
err_has "no definition of indicator no.such-indicator"
ok "unknown indicator: exit 1 with a message"

# 2. Alpha corrects its figure while its hlnd does not know (offline
# publishing: the control socket is out of reach, so hlnd is not told and
# announces nothing). Its peers are now behind on Alpha's feed.
mv "$T/n1/control.sock" "$T/n1/control.sock.away"
cat >"$T/fix.csv" <<EOF
indicator,period,unit,stratum,numerator,denominator
$IND,2026-Q3,east,,160,260
EOF
ctl 1 publish "$T/fix.csv" >/dev/null 2>&1 || fail "publish the correction"
mv "$T/n1/control.sock.away" "$T/n1/control.sock"
head1=$(( $(records 1) ))
[ "$head1" -eq $(( $(records 0) + 1 )) ] || fail "n1 should hold one record more than n0"

run 1 1 bench verify "$IND" --period 2026-Q3
out_has "0 agree"
out_has "peer behind on feed .*/CA (Clinic Alpha): has seq 2, we have 3"
run 1 1 bench verify "$IND" --period 2026-Q3 --json
[ "$(jget 'd["all_agree"]')" = False ] || fail "JSON: all_agree should be false"
[ "$(jget 'sorted(p["causes"][0]["kind"] for p in d["peers"])')" = "['peer-behind', 'peer-behind']" ] ||
    fail "JSON: both peers are behind: $(jget 'd["peers"]')"
[ "$(jget 'd["peers"][0]["causes"][0]["our_seq"] - d["peers"][0]["causes"][0]["peer_seq"]')" = 1 ] ||
    fail "JSON: one record behind"
[ "$(jget 'd["peers"][0]["causes"][0]["author"]')" = "${ID[1]}" ] || fail "JSON: the feed's author"
ok "Alpha sees both peers behind on its feed (seq 2 of 3)"

# The same from Canada's side: it is behind Alpha, and agrees with Beta.
run 1 0 bench verify "$IND" --period 2026-Q3 --json
[ "$(jget '[p["causes"][0]["kind"] for p in d["peers"] if not p["agrees"]]')" = "['we-are-behind']" ] ||
    fail "n0 should be behind n1 only: $(cat $T/out)"
[ "$(jget '[p["name"] for p in d["peers"] if p["agrees"]]')" = "['n2']" ] || fail "n0 agrees with n2"
run 1 0 bench verify "$IND" --period 2026-Q3
out_has "we are behind on feed .*/CA (Clinic Alpha): we have seq 2, peer has 3"
ok "Canada sees itself behind Alpha and in agreement with Beta"

# 3. Alpha's hlnd restarts, finds the record and pushes it: agreement again.
stop_node 1
start_node 1
until_ok 30 "the correction reaches everyone" in_sync
run 0 1 bench verify "$IND" --period 2026-Q3
out_has "2 of 2 peers answered, 2 agree"
run 0 0 bench verify "$IND" --period 2026-Q3
ok "after sync: all agree again"

# 4. Data sovereignty: Alpha publishes in its province's feed (CA-ON), which
# neither Canada's national node nor Beta (CA-QC) replicates. Alpha counts
# it; they lack the feed, and verify says so.
cat >"$T/on.csv" <<EOF
indicator,period,unit,stratum,numerator,denominator
$IND,2026-Q3,west,,90,120
EOF
ctl 1 publish --scope CA-ON "$T/on.csv" >/dev/null || fail "publish in CA-ON"
run 1 1 bench verify "$IND" --period 2026-Q3 --json
[ "$(jget 'sorted(p["causes"][0]["kind"] for p in d["peers"])')" = "['peer-lacks-feed', 'peer-lacks-feed']" ] ||
    fail "JSON: both peers lack the CA-ON feed: $(jget 'd["peers"]')"
[ "$(jget 'd["peers"][0]["causes"][0]["scope"]')" = CA-ON ] || fail "JSON: the CA-ON feed"
run 1 1 bench verify "$IND" --period 2026-Q3
out_has "peer lacks feed .*/CA-ON (Clinic Alpha)"
ok "a provincial feed the others may not hold: 'peer lacks feed'"

# 5. Only one peer up: the other stopped is not asked.
stop_node 2
until_ok 15 "n0 sees n2 down" bash -c "[ \"\$($HOSTILE status $T/n0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"peers_up\"])')\" = 1 ]"
run 0 0 bench verify "$IND" --period 2026-Q3 --group all
out_has "1 of 1 peer answered, 1 agrees"
ok "a stopped peer is not asked"

alive 0 1
stop_node 0
stop_node 1
ok "daemons stopped cleanly"
