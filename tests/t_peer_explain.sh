#!/bin/bash
# t_peer_explain.sh - hlnctl peer explain says, per peer, why it is or is not connected, what is withheld and what was refused.
. "$(dirname "$0")/lib_nodes.sh"

# n0 Canada's authority; n1 an Ontario clinic it admits; n2 a French node
# it peers with but never admitted (so it is sent no CA feed); n3 a
# stranger that dials Canada and is refused at the handshake; n4 a second
# clinic, admitted, whose key tests/hostile uses to send records out of order.
for i in 0 1 2 3; do PORT[$i]=$(free_port); write_conf "$i"; done
ID[0]=$("$HLNCTL" -d "$T/n0" init --authority --name Canada --level national --jurisdiction CA 2>/dev/null) || fail "init n0"
ID[1]=$("$HLNCTL" -d "$T/n1" init --name Clinic --jurisdiction CA-ON) || fail "init n1"
ID[2]=$("$HLNCTL" -d "$T/n2" init --name Paris --jurisdiction FR) || fail "init n2"
ID[3]=$("$HLNCTL" -d "$T/n3" init --name Stranger --jurisdiction CA) || fail "init n3"
ctl() { "$HLNCTL" -d "$T/n$1" "${@:2}" >>"$T/ctl.log" 2>&1 || fail "n$1: hlnctl ${*:2}: $(tail -2 "$T/ctl.log")"; }
ID[4]=$("$HLNCTL" -d "$T/n4" init --name Clinic2 --jurisdiction CA-ON) || fail "init n4"
ctl 0 member issue "${ID[1]}" --name Clinic --level organization --jurisdiction CA-ON
ctl 0 member issue "${ID[4]}" --name Clinic2 --level organization --jurisdiction CA-ON
# Canada's rule: no cell under 60, stricter than anything the clinic's tool knows.
ctl 0 policy set --min-cell 60 --scope CA
ctl 0 indicator define configs/indicators.ini
ctl 0 peer add "${ID[2]}" --name Paris
for i in 1 2 3; do
    ctl "$i" trust add "${ID[0]}" --name Canada
    ctl "$i" peer add "${ID[0]}" "tcp://127.0.0.1:${PORT[0]}" --name Canada
done
for i in 0 1 2 3; do start_node "$i"; done

explain() { "$HLNCTL" -d "$T/n$1" peer explain "${@:2}" --json 2>>"$T/ctl.log"; }
# until_py I PYTHON [PEER]: wait (30 s at most) until the expression holds of peer explain's JSON `j`.
until_py() {
    local deadline=$(($(now_ms) + 30000))
    until explain "$1" ${3:+"$3"} | python3 -c "
import json, sys
j = json.load(sys.stdin)
sys.exit(0 if ($2) else 1)" 2>/dev/null; do
        [ "$(now_ms)" -gt "$deadline" ] && { explain "$1" ${3:+"$3"} | head -80; fail "n$1: never: $2"; }
        sleep 0.2
    done
}
P='[p for p in j["peers"] if p["id"] == "%s"]'
paris=$(printf "$P" "${ID[2]}")
until_py 0 "$paris and $paris[0][\"explain\"][\"connected\"]"
until_py 0 "any(g['scope'] == 'CA' and 'not admitted for scope CA' in g['reason'] for g in $paris[0]['explain']['feeds_withheld'])"
until_py 0 "any(g['scope'] == 'global' for g in $paris[0]['explain']['feeds_offered'])"
ok "a peer that is up but not admitted for scope CA: CA feeds withheld, with the reason; global offered"

# The stranger: refused by Canada's ZAP handler; the stranger sees its handshake refused.
until_py 0 "any(p['state'] == 'refused' and p['explain'].get('handshake', {}).get('refused_by') == 'this node' and p['explain']['handshake']['since'] for p in j['peers'])"
until_py 3 "j['peers'][0]['explain'].get('handshake', {}).get('refused_by') == 'peer' and not j['peers'][0]['explain']['connected']" "${ID[0]:0:7}"
explain 3 "${ID[0]:0:7}" | grep -q '"why":"the peer refused' || fail "the stranger's why"
ok "handshake refusals on both sides: which key, by whom, since when"

# The clinic's records break Canada's policy: each refusal is kept and counted.
clinic=$(printf "$P" "${ID[1]}")
until_py 1 "any(p['explain']['connected'] for p in j['peers'])"
deadline=$(($(now_ms) + 30000))
until "$HLNCTL" -d "$T/n1" --json member list | grep -q '"status":"member"'; do
    [ "$(now_ms)" -gt "$deadline" ] && fail "the clinic never learnt its admission"
    sleep 0.2
done
"$HOSTILE" publish "$T/n1" 3 CA || fail "publish on the clinic"
until_py 0 "$clinic and $clinic[0]['explain']['refusals']['count'] >= 1 and $clinic[0]['explain']['refusals']['recent'][0]['reason'] == 'policy'"
grep -q 'event=record-refused .*reason=policy' "$T/n0.log" || fail "no log line for the refusal"
"$HLNCTL" -d "$T/n0" metrics | grep -E '^hln_peer_refusals_total\{reason="policy"\} [1-9]' >/dev/null ||
    fail "the policy refusal is not in the metrics"
"$HLNCTL" -d "$T/n0" metrics | grep -E '^hln_peer_refusals_total\{reason="not-admitted"\} [1-9]' >/dev/null ||
    fail "the handshake refusal is not in the metrics"
ok "record refusals kept per peer with their reason, logged and counted in the metrics"

# A member's feed out of order: a seq gap, a chain break, a record dated before the head,
# and one dated before its membership (not entitled then).
"$HOSTILE" refuse "$T/n4" "tcp://127.0.0.1:${PORT[0]}" "${ID[0]}" >/dev/null || fail "hostile refuse"
clinic2=$(printf "$P" "${ID[4]}")
until_py 0 "$clinic2 and {r['reason'] for r in $clinic2[0]['explain']['refusals']['recent']} >= {'seq-gap', 'chain-break', 'time-behind-head', 'not-entitled'}"
explain 0 "${ID[4]:0:7}" | python3 -c "
import json, sys
rs = {r['reason']: r for r in json.load(sys.stdin)['peers'][0]['explain']['refusals']['recent']}
assert rs['seq-gap']['seq'] == 3 and 'seq 3 does not follow' in rs['seq-gap']['detail'], rs
assert rs['chain-break']['seq'] == 2 and 'prev is not' in rs['chain-break']['detail'], rs
assert rs['time-behind-head']['seq'] == 2 and 'before the feed' in rs['time-behind-head']['detail'], rs
assert rs['not-entitled']['seq'] == 2 and 'not yet in force' in rs['not-entitled']['detail'], rs
assert all(r['author'] == '${ID[4]}' and r['scope'] == 'CA' for r in rs.values()), rs" ||
    fail "the three refusals' seq, detail and feed"
for k in seq-gap chain-break time-behind-head not-entitled; do
    grep -q "event=record-refused .*reason=$k" "$T/n0.log" || fail "no log line for $k"
    "$HLNCTL" -d "$T/n0" metrics | grep -E "^hln_peer_refusals_total\{reason=\"$k\"\} 1\$" >/dev/null ||
        fail "$k is not counted once in the metrics"
done
"$HLNCTL" -d "$T/n0" peer explain Clinic2 >"$T/text" || fail "peer explain Clinic2"
for k in seq-gap chain-break time-behind-head; do
    grep -q "$k" "$T/text" || { cat "$T/text"; fail "the text account lacks $k"; }
done
ok "seq gap, chain break, a record behind the feed's head, one before the membership: each refused, kept, logged, counted"

# The same account in status --json, and in words.
"$HLNCTL" -d "$T/n0" status --json | python3 -c "
import json, sys
j = json.load(sys.stdin)
assert any(p['id'] == '${ID[2]}' and 'explain' in p for p in j['explain']), j.get('explain')" ||
    fail "status --json has no explain"
"$HLNCTL" -d "$T/n0" peer explain Paris >"$T/text" || fail "peer explain Paris"
grep -q 'withheld .*scope CA: .*not admitted for scope CA' "$T/text" || { cat "$T/text"; fail "the text account"; }
"$HLNCTL" -d "$T/n0" peer explain NOSUCHPEER >/dev/null 2>&1 && fail "an unknown peer is not an error"
ok "status --json carries the account; the text names the withheld scope; an unknown PEER exits 1"

# Without hlnd: what the store tells.
stop_node 2
"$HLNCTL" -d "$T/n2" peer explain >"$T/text" || fail "offline explain"
grep -q 'hlnd is not running' "$T/text" || fail "offline explain does not say hlnd is down"
grep -q 'offered .*scope global' "$T/text" || { cat "$T/text"; fail "offline feeds"; }
ok "without hlnd, the store's view"
