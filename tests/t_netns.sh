#!/bin/bash
# t_netns.sh - real network faults: three hlnd in Linux network namespaces this test makes (veth pairs, addresses of 10.217.0.0/16 used only inside them), tc netem loss/delay/reordering where the kernel has it, and a partition that heals; nodes converge with nothing lost, and the time to converge is printed. Skips (exit 0, a SKIP line) where namespaces cannot be made.
BUILD=${BUILD:-build}
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
    echo "SKIP: t_netns.sh needs root and ip(8) to make network namespaces"
    exit 0
fi
. "$(dirname "$0")/lib_nodes.sh"
TAG=h$$
NS=("${TAG}a" "${TAG}b" "${TAG}c")
netns_cleanup() {
    nodes_cleanup
    for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null; done
}
trap netns_cleanup EXIT
if ! ip netns add "${NS[0]}" 2>/dev/null; then
    echo "SKIP: this machine forbids network namespaces (ip netns add failed)"
    exit 0
fi
for n in "${NS[@]:1}"; do ip netns add "$n" || fail "ip netns add $n"; done
# a (n0) -- b (n1) -- c (n2): two veth pairs, each end in its namespace.
ip link add "${TAG}ab" netns "${NS[0]}" type veth peer name "${TAG}ba" netns "${NS[1]}" || fail "veth a-b"
ip link add "${TAG}cb" netns "${NS[2]}" type veth peer name "${TAG}bc" netns "${NS[1]}" || fail "veth c-b"
ip -n "${NS[0]}" addr add 10.217.1.1/24 dev "${TAG}ab"
ip -n "${NS[1]}" addr add 10.217.1.2/24 dev "${TAG}ba"
ip -n "${NS[2]}" addr add 10.217.2.1/24 dev "${TAG}cb"
ip -n "${NS[1]}" addr add 10.217.2.2/24 dev "${TAG}bc"
for n in "${NS[@]}"; do ip -n "$n" link set lo up; done
for d in "0 ${TAG}ab" "1 ${TAG}ba" "1 ${TAG}bc" "2 ${TAG}cb"; do
    set -- $d
    ip -n "${NS[$1]}" link set "$2" up || fail "link up $2"
done
ok "namespaces ${NS[*]} with veth pairs (10.217.1.0/24, 10.217.2.0/24)"

# Loss, delay and reordering on every veth end, where netem exists.
if tc -n "${NS[0]}" qdisc add dev "${TAG}ab" root netem loss 10% delay 40ms 20ms reorder 25% 50% 2>/dev/null; then
    for d in "1 ${TAG}ba" "1 ${TAG}bc" "2 ${TAG}cb"; do
        set -- $d
        tc -n "${NS[$1]}" qdisc add dev "$2" root netem loss 10% delay 40ms 20ms reorder 25% 50% ||
            fail "netem on $2"
    done
    echo "netem: 10% loss, 40±20 ms delay, 25% reordering on every link"
    NETEM=1
else
    echo "SKIP: tc netem is not available here (no sch_netem): loss, delay and reordering not exercised; the partition is"
    NETEM=0
fi

nodes_init 3
BPORT=$(free_port)
# n0 and n2 dial n1, which listens inside its namespace only.
"$HLNCTL" -d "$T/n0" peer add "${ID[1]}" "tcp://10.217.1.2:$BPORT" --name b >/dev/null || fail "peer add"
"$HLNCTL" -d "$T/n2" peer add "${ID[1]}" "tcp://10.217.2.2:$BPORT" --name b >/dev/null || fail "peer add"
"$HLNCTL" -d "$T/n1" peer add "${ID[0]}" --name a >/dev/null || fail "peer add"
"$HLNCTL" -d "$T/n1" peer add "${ID[2]}" --name c >/dev/null || fail "peer add"
start_in() { # I LISTEN
    local i=$1 k
    ip netns exec "${NS[$i]}" "$HLND" -d "$T/n$i" ${2:+--listen "$2"} -c "$T/n$i.conf" 2>>"$T/n$i.log" &
    PID[$i]=$!
    for ((k = 0; k < 100; k++)); do
        "$HOSTILE" status "$T/n$i" >/dev/null 2>&1 && return 0
        kill -0 "${PID[$i]}" 2>/dev/null || fail "hlnd n$i exited at start"
        sleep 0.05
    done
    fail "hlnd n$i did not come up"
}
start_in 1 "tcp://0.0.0.0:$BPORT"
start_in 0 ""
start_in 2 ""

# converge COUNT LABEL: all three hold COUNT records; prints the time.
converge() {
    local t0
    t0=$(now_ms)
    wait_records "$1" 120 0 1 2
    echo "converged on $1 records ($2) in $(($(now_ms) - t0)) ms"
}
"$HOSTILE" publish "$T/n0" 200 CA || fail "publish n0"
"$HOSTILE" publish "$T/n2" 200 CA || fail "publish n2"
converge 400 "200 from each end, through the middle"
ok "three nodes in three namespaces converge$([ $NETEM = 1 ] && echo " under loss, delay and reordering")"

# A partition: the a-b link goes down; both sides publish; it heals.
ip -n "${NS[0]}" link set "${TAG}ab" down || fail "partition"
"$HOSTILE" publish "$T/n0" 100 CA || fail "publish n0 in the partition"
"$HOSTILE" publish "$T/n2" 100 CA || fail "publish n2 in the partition"
wait_records 500 60 1 2
[ "$(records 0)" -eq 500 ] || fail "n0 holds $(records 0) records inside the partition (500 expected)"
sleep 2
[ "$(records 0)" -eq 500 ] || fail "records crossed the partition"
alive 0 1 2
ip -n "${NS[0]}" link set "${TAG}ab" up || fail "heal"
converge 600 "after the partition healed"
ok "a partition heals: every record published on either side reaches every node"
for i in 0 1 2; do stop_node $i; done
for i in 0 1 2; do "$HLNCTL" -d "$T/n$i" verify >/dev/null || fail "n$i does not verify"; done
ok "nothing lost: 600 records on each node, every store verifies"
