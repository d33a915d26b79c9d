#!/bin/bash
# t_daemon_topology.sh - ten real hlnd processes in a line, then a ring: records published anywhere reach all.
. "$(dirname "$0")/lib_nodes.sh"
N=10
nodes_init $N
for ((i = 0; i < N - 1; i++)); do link $i $((i + 1)); done
for ((i = 0; i < N; i++)); do start_node $i; done
ok "line of $N started"

# A record published at one end reaches the other end, nine hops away.
"$HOSTILE" publish "$T/n0" 5 || fail "publish n0"
t=$(now_ms)
wait_records 5 30 $(seq 0 $((N - 1)))
ok "line: 5 records from n0 reached all $N nodes in $(($(now_ms) - t)) ms"

# And the other way, from the far end.
"$HOSTILE" publish "$T/n9" 3 || fail "publish n9"
t=$(now_ms)
wait_records 8 30 $(seq 0 $((N - 1)))
ok "line: 3 records from n9 reached all in $(($(now_ms) - t)) ms"

# Close the ring while everything runs: the new peering is written to the
# store and the daemons told over the control socket.
link 9 0
"$HOSTILE" publish "$T/n5" 4 || fail "publish n5"
t=$(now_ms)
wait_records 12 30 $(seq 0 $((N - 1)))
ok "ring: 4 records from n5 reached all in $(($(now_ms) - t)) ms"

# Cut the ring open at one place (stop n3): the rest still converges around the other way.
stop_node 3
"$HOSTILE" publish "$T/n2" 2 || fail "publish n2"
wait_records 14 30 0 1 2 4 5 6 7 8 9
ok "ring minus n3: n2's records went round the other way"
start_node 3
wait_records 14 30 3
ok "n3 restarted and caught up"

alive $(seq 0 $((N - 1)))
[ "$(status_field 0 peers_up)" -eq 2 ] || fail "n0 should have 2 peers up in the ring"
for ((i = 0; i < N; i++)); do stop_node $i; done
for ((i = 0; i < N; i++)); do
    "$HLNCTL" -d "$T/n$i" verify >/dev/null || fail "n$i store does not verify"
done
ok "all stopped with exit 0; every store verifies"
