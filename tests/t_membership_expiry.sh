#!/bin/bash
# t_membership_expiry.sh - a membership with --until is shown as ending before it lapses and enforced when it does, with no other trust change.
. "$(dirname "$0")/lib_nodes.sh"

for i in 0 1; do PORT[$i]=$(free_port); write_conf "$i"; done
ID[0]=$("$HLNCTL" -d "$T/n0" init --authority --name Canada --level national --jurisdiction CA 2>/dev/null) || fail "init n0"
ID[1]=$("$HLNCTL" -d "$T/n1" init --name Clinic --jurisdiction CA-ON) || fail "init n1"
# The clinic's membership ends 12 s from now.
until=$(date -u -d "@$(($(date +%s) + 12))" +%Y-%m-%dT%H:%M:%SZ)
"$HLNCTL" -d "$T/n0" member issue "${ID[1]}" --name Clinic --level organization --jurisdiction CA-ON \
    --from 2020-01-01 --until "$until" >/dev/null || fail "member issue --until"
"$HLNCTL" -d "$T/n1" trust add "${ID[0]}" --name Canada >/dev/null || fail "trust add"
"$HLNCTL" -d "$T/n1" peer add "${ID[0]}" "tcp://127.0.0.1:${PORT[0]}" >/dev/null || fail "peer add"

# Before it lapses: member list marks it, with the days left.
"$HLNCTL" -d "$T/n0" member list >"$T/list" || fail "member list"
grep -q "^${ID[1]:0:7} .*! " "$T/list" || { cat "$T/list"; fail "the ending membership is not marked"; }
grep -q '^! 1 membership ends within 30 days' "$T/list" || fail "no note under the list"
"$HLNCTL" -d "$T/n0" --json member list | python3 -c "
import json, sys
m = [m for m in json.load(sys.stdin) if m['id'] == '${ID[1]}'][0]
assert m['ending_soon'] and m['ends_in_days'] == 1, m" || fail "member list --json"
ok "member list shows the membership as ending before it lapses"

for i in 0 1; do start_node "$i"; done
up() { "$HLNCTL" -d "$T/n$1" peer list --json | python3 -c "
import json, sys
sys.exit(0 if any(p['id'] == '$2' and p['state'] == 'up' for p in json.load(sys.stdin)) else 1)"; }
deadline=$(($(now_ms) + 20000))
until up 1 "${ID[0]}"; do [ "$(now_ms)" -gt "$deadline" ] && fail "the clinic never came up"; sleep 0.2; done
grep -q "event=membership-ending member=${ID[1]:0:7} self=no until=$until days=1" "$T/n0.log" ||
    fail "hlnd did not warn of the end: $(grep trust "$T/n0.log")"
ok "hlnd warns that the membership ends; the clinic is up while it is in force"

# When it lapses: Canada recomputes admission by itself, closes the session and refuses the handshake.
deadline=$(($(now_ms) + 40000))
until grep -q 'event=membership-ended' "$T/n0.log" && ! up 1 "${ID[0]}"; do
    [ "$(now_ms)" -gt "$deadline" ] && fail "the lapsed member is still connected"
    sleep 0.2
done
until "$HLNCTL" -d "$T/n1" peer explain "${ID[0]:0:7}" --json | grep -q '"refused_by":"peer"'; do
    [ "$(now_ms)" -gt "$deadline" ] && fail "the clinic's handshakes are not refused"
    sleep 0.2
done
"$HLNCTL" -d "$T/n0" --json member list | grep -q '"status":"expired"' || fail "not listed as expired"
ok "at its end the membership is enforced: session closed, handshakes refused, listed expired"
alive 0 1
