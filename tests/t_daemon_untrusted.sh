#!/bin/bash
# t_daemon_untrusted.sh - a key nobody trusts or peers with cannot complete the CURVE handshake and learns nothing.
. "$(dirname "$0")/lib_nodes.sh"
nodes_init 2
link 1 0
# The stranger: a node of its own, trusting n0 and dialing it; n0 and n1
# have never heard of it. (Later n0 trusts it as an organization in CA, so
# that n0's CA feed may go to it: docs/GOVERNANCE.md §7.)
ID[2]=$("$HLNCTL" -d "$T/n2" init --name stranger --jurisdiction CA) || fail "init"
PORT[2]=$(free_port)
write_conf 2
trust 2 0 || fail "trust"
"$HLNCTL" -d "$T/n2" peer add "${ID[0]}" "tcp://127.0.0.1:${PORT[0]}" >/dev/null || fail "peer add"
"$HOSTILE" publish "$T/n0" 5 || fail "publish"
for i in 0 1 2; do start_node $i; done
wait_records 5 20 1
sleep 1.5
[ "$(records 2)" -eq 0 ] || fail "the stranger learnt $(records 2) records"
[ "$(status_field 2 peers_up)" -eq 0 ] || fail "the stranger has a peer up"
grep -q "event=refused" "$T/n0.log" || fail "n0 did not log the refused handshake"
grep -q "event=handshake-failed peer=$(echo "${ID[0]}" | cut -c1-7)" "$T/n2.log" || fail "the stranger did not log the failed handshake"
ok "the stranger's handshake is refused and it learns nothing"

# Its records do not get in either: even a well-formed hello from it never
# reaches n0's engine (the hostile helper speaks the protocol).
out=$("$HOSTILE" attack "$T/n2" "tcp://127.0.0.1:${PORT[0]}" "${ID[0]}" 2>&1)
echo "$out" | grep -q "handshake failed" || fail "the stranger got through: $out"
[ "$(records 0)" -eq 5 ] || fail "n0 holds $(records 0) records, not 5"
ok "nothing from the stranger reached n0"

# Admitted once n0 is told to peer with it (peer add while running), and
# sent n0's feed once n0 knows where it stands (trust add), it syncs.
trust 0 2 || fail "trust"
"$HLNCTL" -d "$T/n0" peer add "${ID[2]}" --name stranger >/dev/null || fail "peer add"
wait_records 5 20 2
ok "after peer add and trust add on n0 the same key is admitted and catches up"

# And removed again (peer and anchor): its new handshakes fail, it learns nothing more.
"$HLNCTL" -d "$T/n0" peer remove "${ID[2]}" >/dev/null || fail "peer remove"
"$HLNCTL" -d "$T/n0" trust remove "${ID[2]}" >/dev/null || fail "trust remove"
"$HLNCTL" -d "$T/n0" peer list | grep -q stranger && fail "removed peer still listed"
stop_node 2
"$HOSTILE" publish "$T/n0" 3 || fail "publish"
start_node 2
wait_records 8 20 1
sleep 1.5
[ "$(records 2)" -eq 5 ] || fail "the removed stranger learnt new records ($(records 2))"
for i in 0 1 2; do stop_node $i; done
ok "after peer remove the key is refused again"
