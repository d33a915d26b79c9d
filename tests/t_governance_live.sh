#!/bin/bash
# t_governance_live.sh - governance reaches the wire while hlnd runs: admission by membership, scopes on the sending side, revocation, hello ids.
. "$(dirname "$0")/lib_nodes.sh"

# n1 Canada's authority, n2 a clinic in Ontario, n3 France's authority,
# n4 a clinique in France peered directly with the Ontario clinic.
init_node() { # I NAME LEVEL JURISDICTION
    ID[$1]=$("$HLNCTL" -d "$T/n$1" init --name "$2" --level "$3" --jurisdiction "$4") || fail "init n$1"
    PORT[$1]=$(free_port)
    write_conf "$1"
}
init_node 1 Canada national CA
init_node 2 ClinicON organization CA-ON
init_node 3 France national FR
init_node 4 CliniqueFR organization FR
CA=${ID[1]} CAC=${ID[2]} FR=${ID[3]} FRC=${ID[4]}
ctl() {
    local i=$1
    shift
    "$HLNCTL" -d "$T/n$i" "$@" >>"$T/ctl.log" 2>&1 || { tail -3 "$T/ctl.log"; fail "n$i: hlnctl $*"; }
}
# held NODE AUTHOR SCOPE [TYPE]: records of AUTHOR in SCOPE (of TYPE) that NODE holds.
held() {
    "$HLNCTL" -d "$T/n$1" --json log 2>/dev/null | python3 -c "
import json, sys
print(sum(1 for r in json.load(sys.stdin)
          if r['author'] == '$2' and r['scope'] == '$3' and r['type'] == '${4:-observation}'))"
}
wait_held() { # NODE AUTHOR SCOPE COUNT SECONDS
    local deadline=$(($(now_ms) + $5 * 1000)) have
    while :; do
        have=$(held "$1" "$2" "$3")
        [ "${have:-0}" -ge "$4" ] && return 0
        [ "$(now_ms)" -gt "$deadline" ] && fail "n$1 holds $have of $4 observations of $2 in $3"
        sleep 0.1
    done
}
zap_refusals() { grep -c "zap event=refused" "$T/n$1.log" || true; }

ctl 1 trust add "$CA" --name Canada --level national --jurisdiction CA
ctl 2 trust add "$CA" --name Canada --level national --jurisdiction CA
ctl 3 trust add "$FR" --name France --level national --jurisdiction FR
ctl 4 trust add "$FR" --name France --level national --jurisdiction FR
# The clinic dials Canada, which has no peer entry for it: only a member
# record can let it in. Canada and France peer; so do the two clinics.
"$HLNCTL" -d "$T/n2" peer add "$CA" "tcp://127.0.0.1:${PORT[1]}" --name Canada >/dev/null || fail "peer add"
link 1 3
link 2 4
# Published before anyone knows the clinic, or Canada knows France.
"$HOSTILE" publish "$T/n2" 3 CA || fail "publish clinic"
"$HOSTILE" publish "$T/n3" 2 global || fail "publish France's roll-up"
for i in 1 2 3 4; do start_node $i; done
sleep 2
[ "$(held 1 "$CAC" CA)" -eq 0 ] || fail "Canada took records of a clinic it never admitted"
[ "$(held 1 "$FR" global)" -eq 0 ] || fail "Canada took records of an author it does not trust"
[ "$(zap_refusals 1)" -ge 1 ] || fail "Canada's ZAP handler never refused the unknown clinic"
ok "a clinic nobody admitted is refused at the handshake; an unknown author's feed is declined"

# 1. The member record hlnctl writes reaches the running daemon: the clinic
# is admitted by membership and its feed, heard of now, is fetched.
ctl 1 member issue "$CAC" --name ClinicON --level organization --jurisdiction CA-ON --from 2020-01-01
wait_held 1 "$CAC" CA 3 20
ok "Canada admitted the clinic with member issue alone, no SIGHUP: it holds its 3 records"

# 2. trust add while running: the feed heard and declined before is fetched.
ctl 1 trust add "$FR" --name France --level national --jurisdiction FR
wait_held 1 "$FR" global 2 20
ok "after trust add, Canada fetched France's roll-up it had declined"

# 3. The sending side of scopes: the clinic's CA feed never goes to the
# French clinique, even over their direct link and even when asked.
"$HOSTILE" publish "$T/n1" 1 global || fail "publish Canada's roll-up"
wait_held 2 "$CA" global 1 20
[ "$(held 4 "$CAC" CA)" -eq 0 ] || fail "the clinique holds the clinic's data"
stop_node 4
out=$("$HOSTILE" request "$T/n4" "tcp://127.0.0.1:${PORT[2]}" "$CAC" "$CAC" CA) || fail "request: $out"
[ "$out" = "announced=0 records=0" ] || fail "the clinic told or sent its CA feed to France: $out"
out=$("$HOSTILE" request "$T/n4" "tcp://127.0.0.1:${PORT[2]}" "$CAC" "$CA" global) || fail "request: $out"
[[ $out =~ ^announced=[1-9][0-9]*\ records=[1-9] ]] || fail "a global feed was not served to the clinique: $out"
ok "the clinic's CA feed is never announced or served to a French node that asks; a global one is"

# 4. A hello must carry the id of the key that authenticated the connection.
out=$("$HOSTILE" impostor "$T/n4" "tcp://127.0.0.1:${PORT[2]}" "$CAC" "$FRC") || fail "impostor: $out"
[ "$out" != "clocks=0" ] || fail "an honest hello was not answered"
out=$("$HOSTILE" impostor "$T/n4" "tcp://127.0.0.1:${PORT[2]}" "$CAC" "$CA") || fail "impostor: $out"
[ "$out" = "clocks=0" ] || fail "a hello claiming Canada's id from the clinique's key was answered: $out"
grep -q "event=hello-id-mismatch peer=${FRC:0:7}" "$T/n2.log" || fail "the clinic did not log the mismatch"
ok "a hello claiming another node's id is a penalty and the session is dropped"

# 5. Revocation closes the clinic's session with Canada; its next
# handshake is refused, and it learns nothing new.
"$HOSTILE" publish "$T/n1" 1 CA || fail "publish Canada"
wait_held 2 "$CA" CA 1 20
before=$(zap_refusals 1)
ctl 1 member revoke "$CAC" --reason closed
deadline=$(($(now_ms) + 15000))
until [ "$(zap_refusals 1)" -gt "$before" ]; do
    [ "$(now_ms)" -gt "$deadline" ] && fail "the revoked clinic was not refused at a new handshake"
    sleep 0.1
done
grep -q "event=peer-refused peer=${CAC:0:7} reason=revoked\|event=inbound-closed peer=${CAC:0:7}" "$T/n1.log" ||
    fail "Canada did not close the revoked clinic's session"
"$HOSTILE" publish "$T/n1" 2 CA || fail "publish Canada"
sleep 3
[ "$(held 2 "$CA" CA)" -eq 1 ] || fail "the revoked clinic learnt Canada's new records"
ok "revoking the clinic closed its session, its next handshake was refused, it learnt nothing new"

alive 1 2 3
for i in 1 2 3; do stop_node $i; done
for i in 1 2 3 4; do
    "$HLNCTL" -d "$T/n$i" verify >/dev/null || fail "n$i store does not verify"
done
ok "all stopped with exit 0; every store verifies"
