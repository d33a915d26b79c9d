#!/bin/bash
# t_governance.sh - real hlnd in two countries, trust set up with hlnctl: clinic data stays home, roll-ups travel.
. "$(dirname "$0")/lib_nodes.sh"

# n0 the global coordinator; n1 Canada's authority, n2 a clinic in Ontario;
# n3 France's authority, n4 a clinic in France.
init_node() { # I NAME LEVEL [JURISDICTION]
    ID[$1]=$("$HLNCTL" -d "$T/n$1" init --name "$2" --level "$3" ${4:+--jurisdiction "$4"}) ||
        fail "init n$1"
    PORT[$1]=$(free_port)
    write_conf "$1"
}
init_node 0 Coordinator global
init_node 1 Canada national CA
init_node 2 ClinicON organization CA-ON
init_node 3 France national FR
init_node 4 CliniqueFR organization FR
G=${ID[0]} CA=${ID[1]} CAC=${ID[2]} FR=${ID[3]} FRC=${ID[4]}

# ctl I ARGS...: hlnctl on node I must succeed.
ctl() {
    local i=$1
    shift
    "$HLNCTL" -d "$T/n$i" "$@" >>"$T/ctl.log" 2>&1 || { tail -3 "$T/ctl.log"; fail "n$i: hlnctl $*"; }
}

# The sequence of docs/GOVERNANCE.md §12, before any daemon runs.
ctl 0 trust add "$G" --name Coordinator --level global --jurisdiction global
ctl 0 member issue "$G" --name Coordinator --level global --jurisdiction global
ctl 0 member issue "$CA" --name Canada --level national --jurisdiction CA --from 2020-01-01
ctl 0 member issue "$FR" --name France --level national --jurisdiction FR --from 2020-01-01
ctl 1 trust add "$CA" --name Canada --level national --jurisdiction CA
ctl 1 trust add "$G" --name Coordinator
ctl 1 member issue "$CA" --name Canada --level national --jurisdiction CA
ctl 1 member issue "$CAC" --name ClinicON --level organization --jurisdiction CA-ON
ctl 1 policy set --min-cell 20
ctl 2 trust add "$CA" --name Canada
ctl 2 trust add "$G" --name Coordinator
ctl 3 trust add "$FR" --name France --level national --jurisdiction FR
ctl 3 trust add "$G" --name Coordinator
ctl 3 member issue "$FRC" --name CliniqueFR --level organization --jurisdiction FR
ctl 4 trust add "$FR" --name France
ctl 4 trust add "$G" --name Coordinator

# Refused before anything is written: Canada may not admit in France.
"$HLNCTL" -d "$T/n1" member issue "$FRC" --name X --level organization --jurisdiction FR \
    >/dev/null 2>"$T/err" && fail "Canada admitted in France"
grep -q "national CA may not admit outside its region" "$T/err" || fail "reason: $(cat "$T/err")"
ok "trust set up with hlnctl; an out-of-bounds admission refused"

# A line across the ocean (clinic-Canada-coordinator-France-clinique), and
# a direct link between the two clinics, over which nothing may pass but
# what is global.
link 2 1
link 1 0
link 0 3
link 3 4
link 2 4
for i in 0 1 2 3 4; do start_node $i; done
ok "5 nodes started"

"$HOSTILE" publish "$T/n2" 5 CA || fail "publish clinic"
"$HOSTILE" publish "$T/n1" 2 global || fail "publish Canada's roll-up"
"$HOSTILE" publish "$T/n4" 3 FR || fail "publish clinique"

# held NODE AUTHOR SCOPE: observations of AUTHOR in SCOPE that NODE holds.
held() {
    "$HLNCTL" -d "$T/n$1" --json log 2>/dev/null | python3 -c "
import json, sys
print(sum(1 for r in json.load(sys.stdin)
          if r['author'] == '$2' and r['scope'] == '$3' and r['type'] == 'observation'))"
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
wait_held 1 "$CAC" CA 5 30
ok "Canada holds its clinic's data"

# The clinic learnt its own admission from Canada's feed; it still admits no one.
deadline=$(($(now_ms) + 30000))
until "$HLNCTL" -d "$T/n2" --json member list 2>/dev/null | python3 -c "
import json, sys
sys.exit(0 if any(m['id'] == '$CAC' and m['status'] == 'member' for m in json.load(sys.stdin)) else 1)"; do
    [ "$(now_ms)" -gt "$deadline" ] && fail "the clinic never learnt its admission"
    sleep 0.1
done
"$HLNCTL" -d "$T/n2" member issue "$FRC" --name X --level organization --jurisdiction CA-ON \
    >/dev/null 2>"$T/err" && fail "a clinic issued a member record"
grep -q "organization may not issue member records" "$T/err" || fail "reason: $(cat "$T/err")"
ok "the clinic stands as a member of CA-ON and may not admit anyone"
wait_held 3 "$CA" global 2 30
wait_held 4 "$CA" global 2 30
wait_held 0 "$CA" global 2 30
ok "Canada's roll-up reached France, its clinique and the coordinator"
wait_held 3 "$FRC" FR 3 30
ok "France holds its clinique's data"

# Give gossip a few anti-entropy rounds to do wrong, then look.
sleep 3
for i in 0 3 4; do
    [ "$(held $i "$CAC" CA)" -eq 0 ] || fail "n$i holds the Ontario clinic's data"
done
for i in 0 1 2; do
    [ "$(held $i "$FRC" FR)" -eq 0 ] || fail "n$i holds the French clinique's data"
done
ok "clinic data stayed in its country, even over the direct cross-border link"

# Canada revokes its clinic from now: what the clinic signs afterwards is refused.
ctl 1 member revoke "$CAC" --reason closed
# hlnd learns governance records it did not receive through sync on reload.
kill -HUP "${PID[1]}"
sleep 1
"$HOSTILE" publish "$T/n2" 2 CA || fail "publish after the revocation"
sleep 3
[ "$(held 1 "$CAC" CA)" -eq 5 ] || fail "Canada took records the clinic signed after its revocation"
ok "records signed after the revocation are refused; the 5 before stay"

alive 0 1 2 3 4
for i in 0 1 2 3 4; do stop_node $i; done
for i in 0 1 2 3 4; do
    "$HLNCTL" -d "$T/n$i" verify >/dev/null || fail "n$i store does not verify"
done
ok "all stopped with exit 0; every store verifies"
