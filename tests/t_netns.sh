#!/bin/bash
# t_netns.sh - real network faults: three hlnd in Linux network namespaces this test makes (veth pairs, addresses of 10.217.0.0/16 used only inside them). Loss is an nft rule that drops packets at random, delay and reordering are tests/netfault holding packets from an NFQUEUE, and a partition heals; nodes converge with nothing lost, and the time to converge under each fault is printed. Each fault that cannot be made here says SKIP and why; where namespaces cannot be made the whole test says SKIP (exit 0).
BUILD=${BUILD:-build}
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
    echo "SKIP: t_netns.sh needs root and ip(8) to make network namespaces"
    exit 0
fi
. "$(dirname "$0")/lib_nodes.sh"
TAG=h$$
NS=("${TAG}a" "${TAG}b" "${TAG}c")
NFPID=""
netns_cleanup() {
    nodes_cleanup
    [ -n "$NFPID" ] && kill "$NFPID" 2>/dev/null
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

# The faults are made without tc netem, which this kernel may lack: every
# TCP packet into and out of the middle namespace (all the traffic: a and c
# talk only to b) goes through them.
if tc -n "${NS[1]}" qdisc add dev "${TAG}ba" root netem delay 1ms 2>/dev/null; then
    tc -n "${NS[1]}" qdisc del dev "${TAG}ba" root
    echo "note: tc netem exists here; the test uses nft and NFQUEUE all the same, as where it does not"
else
    echo "note: no tc netem here (no sch_netem); nft makes the loss, NFQUEUE the delay and reordering"
fi

# Loss: an nft rule drops a random tenth of the packets, both ways (real TCP
# retransmissions); its counters say how many it dropped.
LOSS=0
loss_rules() {
    local c
    for c in "in input" "out output"; do
        set -- $c
        echo "add chain inet hlnloss $1 { type filter hook $2 priority -10; }"
        echo "add rule inet hlnloss $1 meta l4proto tcp numgen random mod 100 < 10 counter drop"
    done
}
if ! command -v nft >/dev/null; then
    echo "SKIP: loss: nft(8) is missing (Debian's nftables; make deps installs it)"
elif ! { echo "add table inet hlnloss"; loss_rules; } | ip netns exec "${NS[1]}" nft -f - 2>"$T/nft.err"; then
    echo "SKIP: loss: the kernel refused an nft numgen drop rule ($(head -1 "$T/nft.err"))"
else
    LOSS=1
    echo "loss: nft drops 10% of TCP packets into and out of the middle namespace"
fi
# dropped: packets the loss rules have dropped (both chains).
dropped() {
    ip netns exec "${NS[1]}" nft list table inet hlnloss |
        awk '{ for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}

# Delay and reordering: tests/netfault takes the packets from an NFQUEUE and
# gives each back after 40 ± 30 ms, in the order of those times, so packets
# overtake one another. The queue rule is iptables' NFQUEUE target (through
# nft's xt compatibility): kernels without nft's own queue expression have it.
DELAY=0
NETFAULT=$BUILD/tests/netfault
[ -x "$NETFAULT" ] || make -s BUILD="$BUILD" "$NETFAULT" >/dev/null 2>&1
start_netfault() {
    local c
    if [ ! -x "$NETFAULT" ]; then
        echo "SKIP: delay and reordering: $NETFAULT could not be built (libnetfilter-queue-dev; make deps installs it)"
        return 0
    fi
    if ! command -v iptables >/dev/null; then
        echo "SKIP: delay and reordering: iptables(8) is missing (Debian's iptables; make deps installs it)"
        return 0
    fi
    ip netns exec "${NS[1]}" "$NETFAULT" 7 40 30 $$ >"$T/netfault.out" 2>&1 &
    NFPID=$!
    sleep 0.3
    if ! kill -0 "$NFPID" 2>/dev/null; then
        echo "SKIP: delay and reordering: $(tail -1 "$T/netfault.out")"
        NFPID=""
        return 0
    fi
    # --queue-bypass: packets pass if netfault is gone; its counts, checked
    # at the end, would then show that it did nothing.
    for c in INPUT OUTPUT; do
        if ! ip netns exec "${NS[1]}" iptables -A "$c" -p tcp -j NFQUEUE --queue-num 7 --queue-bypass 2>"$T/ipt.err"; then
            echo "SKIP: delay and reordering: the kernel refused an NFQUEUE rule ($(head -1 "$T/ipt.err"))"
            return 0
        fi
    done
    DELAY=1
    echo "delay: netfault holds every TCP packet into and out of the middle namespace for 40 ± 30 ms"
}
# stop_netfault: the queue rules go first, then netfault gives back what it
# holds and prints its counts, which must show it delayed and reordered.
stop_netfault() {
    ip netns exec "${NS[1]}" iptables -F INPUT
    ip netns exec "${NS[1]}" iptables -F OUTPUT
    kill -0 "$NFPID" 2>/dev/null || fail "netfault died: $(cat "$T/netfault.out")"
    kill "$NFPID"
    wait "$NFPID"
    NFPID=""
    local line q r
    line=$(grep queued "$T/netfault.out") || fail "netfault printed no counts"
    echo "$line"
    q=$(echo "$line" | awk '{ print $3 }')
    r=$(echo "$line" | awk '{ print $7 }')
    [ "$q" -gt 0 ] || fail "netfault held no packet: no delay was exercised"
    [ "$r" -gt 0 ] || fail "netfault reordered no packet"
}

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
    wait_records "$1" 40 0 1 2
    echo "converged on $1 records ($2) in $(($(now_ms) - t0)) ms"
}
# publish_both N: n0 and n2 each publish N records of their own.
publish_both() {
    "$HOSTILE" publish "$T/n0" "$1" CA || fail "publish n0"
    "$HOSTILE" publish "$T/n2" "$1" CA || fail "publish n2"
}
publish_both 100
converge 200 "no fault"
ok "three nodes in three namespaces converge"

if [ $LOSS = 1 ]; then
    d0=$(dropped)
    publish_both 100
    converge 400 "10% loss"
    d1=$(dropped)
    echo "loss: nft dropped $((d1 - d0)) TCP packets while the nodes converged"
    [ "$d1" -gt "$d0" ] || fail "the loss rule dropped nothing: no loss was exercised"
    ok "the nodes converge through 10% packet loss"
else
    publish_both 100
    converge 400 "no fault: loss skipped"
fi

start_netfault
publish_both 100
converge 600 "$([ $DELAY = 1 ] && echo "40 ± 30 ms delay and reordering")$([ $DELAY = 1 ] && [ $LOSS = 1 ] && echo ", ")$([ $LOSS = 1 ] && echo "10% loss")"
[ $DELAY = 1 ] && ok "the nodes converge through delay and reordering$([ $LOSS = 1 ] && echo ", with the loss")"

# A partition, with the faults still on: the a-b link goes down; both sides
# publish; it heals.
ip -n "${NS[0]}" link set "${TAG}ab" down || fail "partition"
publish_both 100
wait_records 700 40 1 2
[ "$(records 0)" -eq 700 ] || fail "n0 holds $(records 0) records inside the partition (700 expected)"
sleep 2
[ "$(records 0)" -eq 700 ] || fail "records crossed the partition"
alive 0 1 2
ip -n "${NS[0]}" link set "${TAG}ab" up || fail "heal"
converge 800 "after the partition healed, with the faults on"
ok "a partition heals: every record published on either side reaches every node"
[ $DELAY = 1 ] && stop_netfault
[ $LOSS = 1 ] && echo "loss: nft dropped $(dropped) TCP packets in all"
for i in 0 1 2; do stop_node $i; done
for i in 0 1 2; do
    [ "$("$HOSTILE" count "$T/n$i" | cut -d' ' -f2)" -eq 800 ] || fail "n$i does not hold 800 records"
    "$HLNCTL" -d "$T/n$i" verify >/dev/null || fail "n$i does not verify"
done
ok "nothing lost: 800 records on each node, every store verifies"
echo "ran: partition$([ $LOSS = 1 ] && echo ", loss (nft)")$([ $DELAY = 1 ] && echo ", delay and reordering (NFQUEUE)")"
