#!/bin/bash
# t_daemon_hostile.sh - a hostile peer (garbage, oversize and multipart frames, forged signatures, replays, a fork) is survived.
. "$(dirname "$0")/lib_nodes.sh"
nodes_init 4 # n3 is the hostile one: trusted as an author (so its fork matters), a peer of n0 only
link 1 0
link 2 1
"$HLNCTL" -d "$T/n0" peer add "${ID[3]}" --name hostile >/dev/null || fail "peer add"
for i in 0 1 2; do start_node $i; done
"$HOSTILE" publish "$T/n0" 5 || fail "publish"
wait_records 5 20 0 1 2
ok "three honest nodes converged"

H=$(echo "${ID[3]}" | cut -c1-7)
"$HOSTILE" attack "$T/n3" "tcp://127.0.0.1:${PORT[0]}" "${ID[0]}" || fail "attack did not run"
alive 0 1 2
grep -q "event=peer-dropped peer=$H" "$T/n0.log" || fail "n0 did not drop the hostile peer"
grep -q "peer=$H reason=bad-signature" "$T/n0.log" || fail "the forged signature was not reported"
grep -q "event=inbound-closed peer=$H" "$T/n0.log" || fail "n0 kept the dropped peer's session open"
ok "n0 survived the attack, reported it and dropped the peer"

# The fork (two records for seq 1 of the hostile feed) was detected and its
# proof reached the other nodes, which trust that author too.
for i in 0 2; do
    k=0
    while [ "$(status_field $i forks_detected)" -lt 1 ]; do
        k=$((k + 1))
        [ $k -gt 100 ] && fail "n$i knows no fork"
        sleep 0.1
    done
done
ok "the fork was detected on n0 and its proof reached n2"

# While dropped, the hostile key cannot even complete a handshake.
out=$("$HOSTILE" attack "$T/n3" "tcp://127.0.0.1:${PORT[0]}" "${ID[0]}" 2>&1)
echo "$out" | grep -q "handshake failed" || fail "a dropped peer completed a handshake: $out"
grep -q "event=refused" "$T/n0.log" || fail "n0 did not log the refused handshake"
ok "the dropped peer is refused at the handshake"

# peer explain on n0 keeps the account of the hostile peer, and the metrics count it by reason.
# (The forged and tampered records never reach the store: the engine drops them as bad
# messages, logged above as reason=bad-signature.)
"$HLNCTL" -d "$T/n0" peer explain hostile --json | python3 -c "
import json, sys
p = json.load(sys.stdin)['peers'][0]
kinds = {r['reason'] for r in p['explain']['refusals']['recent']}
assert {'fork', 'dropped'} <= kinds, kinds" || fail "peer explain lacks the fork or the dropped refusal"
for k in fork dropped; do
    "$HLNCTL" -d "$T/n0" metrics | grep -E "^hln_peer_refusals_total\{reason=\"$k\"\} [1-9]" >/dev/null ||
        fail "the $k refusal is not in the metrics"
done
ok "peer explain shows the fork and the handshakes refused while dropped; both counted"

# The honest nodes keep converging, both ways.
"$HOSTILE" publish "$T/n2" 3 || fail "publish n2"
"$HOSTILE" publish "$T/n0" 2 || fail "publish n0"
base=$(records 1)
wait_records "$base" 20 0 2
wait_records $((5 + 3 + 2)) 20 0 1 2
ok "honest nodes still converge"

# The control socket takes malformed requests without harm.
"$HOSTILE" ctlfuzz "$T/n0" || fail "control socket fuzzing"
alive 0 1 2
for i in 0 1 2; do stop_node $i; done
for i in 0 1 2; do "$HLNCTL" -d "$T/n$i" verify >/dev/null || fail "n$i does not verify"; done
ok "control socket survived malformed requests; all stores verify; exit 0"
