#!/bin/bash
# t_discovery.sh - peer discovery from address records: a clinic dials another it only heard of through their authority.
. "$(dirname "$0")/lib_nodes.sh"

# n1 Canada's authority; n2 and n3 clinics in Ontario and Quebec, admitted
# by Canada. Each clinic is configured with Canada alone.
init_node() { # I NAME LEVEL JURISDICTION
    ID[$1]=$("$HLNCTL" -d "$T/n$1" init --name "$2" --level "$3" --jurisdiction "$4") || fail "init n$1"
    PORT[$1]=$(free_port)
    write_conf "$1"
}
init_node 1 Canada national CA
init_node 2 ClinicA organization CA-ON
init_node 3 ClinicB organization CA-QC
N=${ID[1]} A=${ID[2]} B=${ID[3]}
ctl() {
    local i=$1
    shift
    "$HLNCTL" -d "$T/n$i" "$@" >>"$T/ctl.log" 2>&1 || { tail -3 "$T/ctl.log"; fail "n$i: hlnctl $*"; }
}
held() { # NODE AUTHOR SCOPE TYPE
    "$HLNCTL" -d "$T/n$1" --json log 2>/dev/null | python3 -c "
import json, sys
print(sum(1 for r in json.load(sys.stdin)
          if r['author'] == '$2' and r['scope'] == '$3' and r['type'] == '$4'))"
}
# until_true SECONDS WHAT COMMAND...: poll COMMAND until it succeeds.
until_true() {
    local secs=$1 what=$2
    shift 2
    local deadline=$(($(now_ms) + secs * 1000))
    until "$@"; do
        [ "$(now_ms)" -gt "$deadline" ] && fail "$what (after ${secs}s)"
        sleep 0.1
    done
}
# peer_state NODE ID: "STATE discovered|configured" from peer list --json, or "absent".
peer_state() {
    "$HLNCTL" -d "$T/n$1" peer list --json 2>/dev/null | python3 -c "
import json, sys
for p in json.load(sys.stdin):
    if p['id'] == '$2':
        print(p['state'], 'discovered' if p.get('discovered') else 'configured' if p['configured'] else '-')
        break
else:
    print('absent')"
}
b_sees_a_up() { [ "$(peer_state 3 "$A")" = "up discovered" ]; }
b_holds_address() {
    "$HLNCTL" -d "$T/n3" address list --json 2>/dev/null | python3 -c "
import json, sys
sys.exit(0 if any(e['author'] == '$A'
                  and e['endpoints'] == ['tcp://127.0.0.1:$DEAD', 'tcp://127.0.0.1:${PORT[2]}']
                  and e['name'] == 'ClinicA' and e['status'] == 'member'
                  for e in json.load(sys.stdin)) else 1)"
}
a_admitted() { [ "$(held 2 "$N" CA member)" -ge 2 ]; }
b_has_obs() { [ "$(held 3 "$A" CA observation)" -ge 1 ]; }
b_dropped_a() { grep -q "event=peer-undiscovered peer=${A:0:7}" "$T/n3.log"; }

ctl 1 trust add "$N" --name Canada --level national --jurisdiction CA
for i in 2 3; do
    ctl $i trust add "$N" --name Canada --level national --jurisdiction CA
    ctl $i peer add "$N" "tcp://127.0.0.1:${PORT[1]}" --name Canada
done
ctl 1 member issue "$A" --name ClinicA --level organization --jurisdiction CA-ON --from 2020-01-01
ctl 1 member issue "$B" --name ClinicB --level organization --jurisdiction CA-QC --from 2020-01-01

# The CLI checks what it is given.
for bad in "http://127.0.0.1:1" "tcp://127.0.0.1:0" "tcp://127.0.0.1" "tcp://a b:1"; do
    rc=0
    "$HLNCTL" -d "$T/n2" address set "$bad" >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 2 ] || fail "address set '$bad' gave exit $rc, not 2"
done
rc=0
"$HLNCTL" -d "$T/n2" address set tcp://h:1 tcp://h:2 tcp://h:3 tcp://h:4 tcp://h:5 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "five endpoints gave exit $rc, not 2"
rc=0
"$HLNCTL" -d "$T/n2" address set tcp://127.0.0.1:1 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "a clinic without standing could publish an address (exit $rc)"
[ "$("$HLNCTL" -d "$T/n2" --json log | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 0 ] ||
    fail "a refused address record was written"
ok "address set refuses bad endpoints, more than 4, and a node without standing"

for i in 1 2 3; do start_node $i; done
until_true 20 "clinic A never received its member record" a_admitted
# A's record names a dead endpoint first (a free port nobody listens on), its real one second.
DEAD=$(free_port)
ctl 2 address set "tcp://127.0.0.1:$DEAD" "tcp://127.0.0.1:${PORT[2]}"
until_true 20 "clinic B never held A's address record" b_holds_address
ok "A's address record reached B through Canada; address list names A and both endpoints"

until_true 40 "B never had A up as a discovered peer: $(peer_state 3 "$A")" b_sees_a_up
grep -q "event=peer-discovered peer=${A:0:7} endpoint=tcp://127.0.0.1:$DEAD" "$T/n3.log" ||
    fail "B did not log the discovery at the record's first endpoint"
grep -q "event=peer-endpoint-next peer=${A:0:7} endpoint=tcp://127.0.0.1:${PORT[2]} was=tcp://127.0.0.1:$DEAD" "$T/n3.log" ||
    fail "B did not log moving on to the second endpoint"
"$HLNCTL" -d "$T/n3" peer list --json | python3 -c "
import json, sys
sys.exit(0 if any(p['id'] == '$A' and p['endpoint'] == 'tcp://127.0.0.1:${PORT[2]}'
                  for p in json.load(sys.stdin)) else 1)" || fail "B's peer list does not show A's second endpoint"
ok "the first endpoint dead, B reached A through the second one of the record"

[ "$("$HLNCTL" -d "$T/n3" peer list --json | python3 -c 'import json,sys; print(sum(p["configured"] for p in json.load(sys.stdin)))')" -eq 1 ] ||
    fail "B's configured peers changed"
[ "$(peer_state 3 "$N")" = "up configured" ] || fail "B lost its configured peer: $(peer_state 3 "$N")"
ok "B dialed A directly from its address record; Canada stays configured"

# Without Canada, A's new record still reaches B, over the discovered link.
stop_node 1
"$HOSTILE" publish "$T/n2" 1 CA || fail "publish on A"
until_true 20 "A's observation did not reach B with Canada stopped" b_has_obs
ok "with Canada stopped, A's new record reached B directly"

# Across a restart B dials A again from the stored record (derived, not saved).
stop_node 3
# hlnd stopped: peer list reads the PEERS table itself.
[ "$("$HLNCTL" -d "$T/n3" peer list --json | python3 -c "import json,sys; print([p['id'] for p in json.load(sys.stdin)])")" = "['$N']" ] ||
    fail "the discovered peer was written to B's PEERS table"
start_node 3
until_true 40 "B did not rediscover A after a restart: $(peer_state 3 "$A")" b_sees_a_up
ok "discovered peers are not saved in PEERS; after a restart B rediscovered A from the stored record"

# [net] discovery_peers = 0 (hlnd.conf(5)) turns discovery off on reload; back on, A is dialed again.
cp "$T/n3.conf" "$T/n3.conf.orig"
echo "discovery_peers = 0" >>"$T/n3.conf" # the last section of the test config is [net]
kill -HUP "${PID[3]}"
until_true 20 "B kept dialing A with discovery_peers = 0" \
    grep -q "event=peer-undiscovered peer=${A:0:7}" "$T/n3.log"
cp "$T/n3.conf.orig" "$T/n3.conf"
kill -HUP "${PID[3]}"
until_true 40 "B did not dial A again with discovery back on: $(peer_state 3 "$A")" b_sees_a_up
ok "discovery_peers = 0 lets the discovered peer go; the default dials it again"

# Revocation: Canada revokes A; B drops its discovered connection.
start_node 1
ctl 1 member revoke "$A" --reason closed
until_true 20 "B kept its discovered connection to the revoked clinic" b_dropped_a
until_true 10 "B still lists the revoked clinic as up: $(peer_state 3 "$A")" \
    bash -c "[ \"\$('$HLNCTL' -d '$T/n3' peer list --json | python3 -c \"import json,sys; print(any(p['id']=='$A' and p['state']=='up' for p in json.load(sys.stdin)))\")\" = False ]"
ok "revoking A dropped B's discovered connection to it"

alive 1 2 3
for i in 1 2 3; do stop_node $i; done
for i in 1 2 3; do
    "$HLNCTL" -d "$T/n$i" verify >/dev/null || fail "n$i store does not verify"
done
ok "all stopped with exit 0; every store verifies"
