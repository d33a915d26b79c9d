#!/bin/bash
# t_rotate.sh - key rotation (docs/GOVERNANCE.md §5a, docs/OPERATIONS.md "Your disk died or your key leaked"): an organization gets a new key from its authority, keeps its history, peers follow with no manual step, the old key's later records are refused everywhere.
. "$(dirname "$0")/lib_nodes.sh"

# n0 Canada's authority; n1 an Ontario clinic (its old key); n2 another
# clinic, the third peer; n3 the first clinic again, on a new disk with a
# new key; n4 a member that never runs hlnd (tests/hostile relays with its
# key). n1 and n3 never run at once: n1's data directory is what a thief of
# the old key holds.
for i in 0 1 2 3; do PORT[$i]=$(free_port); write_conf "$i"; done
ctl() { "$HLNCTL" -d "$T/n$1" "${@:2}" >>"$T/ctl.log" 2>&1 || fail "n$1: hlnctl ${*:2}: $(tail -2 "$T/ctl.log")"; }
ID[0]=$("$HLNCTL" -d "$T/n0" init --authority --name Canada --level national --jurisdiction CA 2>/dev/null) || fail "init n0"
ID[1]=$("$HLNCTL" -d "$T/n1" init --name Alpha --jurisdiction CA-ON) || fail "init n1"
ID[2]=$("$HLNCTL" -d "$T/n2" init --name Beta --jurisdiction CA-ON) || fail "init n2"
ID[4]=$("$HLNCTL" -d "$T/n4" init --name Gamma --jurisdiction CA-ON) || fail "init n4"
ctl 0 indicator define configs/indicators.ini
ctl 0 member issue "${ID[1]}" --name Alpha --level organization --jurisdiction CA-ON
ctl 0 member issue "${ID[2]}" --name Beta --level organization --jurisdiction CA-ON
ctl 0 member issue "${ID[4]}" --name Gamma --level organization --jurisdiction CA-ON
for i in 1 2; do
    ctl "$i" trust add "${ID[0]}" --name Canada
    ctl "$i" peer add "${ID[0]}" "tcp://127.0.0.1:${PORT[0]}" --name Canada
done
for i in 0 1 2; do start_node "$i"; done

# wait_for WHAT CMD...: until CMD succeeds (20 s at most, 60 s under the sanitizers).
WAIT_MS=20000
[ -n "${HLN_SLOW:-}" ] && WAIT_MS=60000
wait_for() {
    local what=$1 deadline=$(($(now_ms) + WAIT_MS))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(now_ms)" -gt "$deadline" ] && fail "never: $what"
        sleep 0.2
    done
}
member_of() { "$HLNCTL" -d "$T/n$1" --json member list | grep -q '"status":"member"'; }
knows_indicator() { "$HLNCTL" -d "$T/n$1" indicator list | grep -q mhpc.depression-screening; }
# units I PERIOD: the authors counted by n I's benchmark of PERIOD, one a line.
units() {
    "$HLNCTL" -d "$T/n$1" bench mhpc.depression-screening --period "$2" --json 2>/dev/null |
        python3 -c 'import json,sys; [print(u["author"]) for u in json.load(sys.stdin).get("units", [])]'
}
counts() { [ "$(units "$1" "$2" | sort | tr '\n' ' ')" = "$3" ]; }
csv() {
    printf 'indicator,period,unit,stratum,numerator,denominator\n' >"$T/$1.csv"
    printf 'mhpc.depression-screening,%s,,,%s,%s\n' "$2" "$3" "$4" >>"$T/$1.csv"
}

# The clinic reports three quarters under its first key: seq 1..3 of its feed in CA.
wait_for "the clinic is a member and knows the catalogue" member_of 1
wait_for "the clinic knows the catalogue" knows_indicator 1
for q in 1 2 3; do csv "q$q" "2026-Q$q" $((40 + q)) 100; ctl 1 publish "$T/q$q.csv"; done
wait_for "the third peer counts the clinic's 2026-Q3" counts 2 2026-Q3 "${ID[1]} "
ok "the clinic published 2026-Q1..Q3 under its first key; the third peer counts them"

# Its disk dies. A new installation, a new key; the id goes to Canada.
stop_node 1
ID[3]=$("$HLNCTL" -d "$T/n3" init --name Alpha --jurisdiction CA-ON) || fail "init n3"
ctl 3 trust add "${ID[0]}" --name Canada
ctl 3 peer add "${ID[0]}" "tcp://127.0.0.1:${PORT[0]}" --name Canada
start_node 3
# Not a member yet: Canada refuses its handshake.
sleep 0.5
member_of 3 && fail "the new key stands before the rotation"
"$HLNCTL" -d "$T/n0" member rotate "${ID[1]}" "${ID[3]}" --reason "disk died" >"$T/rotate.out" 2>&1 ||
    fail "member rotate: $(cat "$T/rotate.out")"
grep -q "keeps feed CA up to seq 3" "$T/rotate.out" || fail "rotate did not keep the feed held: $(cat "$T/rotate.out")"
# The same rotation again, or one by the organization itself, is refused with words.
"$HLNCTL" -d "$T/n0" member rotate "${ID[1]}" "${ID[1]}" 2>"$T/err" && fail "a rotation to the same key"
grep -q "same key" "$T/err" || fail "no reason for the same key: $(cat "$T/err")"
for bad in "--close CA" "--close CA:-1" "--close Canada:3" "--close CA:1 --close CA:2"; do
    # shellcheck disable=SC2086
    "$HLNCTL" -d "$T/n0" member rotate "${ID[1]}" "${ID[3]}" $bad 2>"$T/err"
    [ $? -eq 2 ] && grep -qE "SCOPE:SEQ|whole number|named twice" "$T/err" || fail "member rotate $bad: $(cat "$T/err")"
done
"$HLNCTL" -d "$T/n2" member rotate "${ID[1]}" "${ID[3]}" --close CA:3 2>"$T/err" && fail "an organization rotated a key"
grep -q "refused:" "$T/err" || fail "no reason for the organization's rotation: $(cat "$T/err")"
ok "Canada rotates the clinic's key (feed CA kept up to seq 3); others may not"

# No manual step on the clinic nor on the third peer: the new key is admitted,
# stands as the clinic did, gets its history back, and reports.
wait_for "the new key is a member" member_of 3
wait_for "the new key knows the catalogue" knows_indicator 3
"$HLNCTL" -d "$T/n3" --json member list | python3 -c "
import json, sys
m = {x['id']: x for x in json.load(sys.stdin)}
old, new = m['${ID[1]}'], m['${ID[3]}']
assert new['status'] == 'member' and new['level'] == 'organization' and new['jurisdiction'] == 'CA-ON', new
assert new['name'] == 'Alpha' and new['issuer'] == '${ID[0]}', new
assert old['status'] == 'revoked' and old['rotated_to'] == '${ID[3]}' and old['revoke_reason'] == 'disk died', old
" || fail "member list after the rotation"
wait_for "the new installation holds the old feed's history" counts 3 2026-Q1 "${ID[1]} "
csv q4 2026-Q4 47 100
ctl 3 publish "$T/q4.csv"
wait_for "the third peer counts the new key's 2026-Q4" counts 2 2026-Q4 "${ID[3]} "
for q in 1 2 3; do counts 2 "2026-Q$q" "${ID[1]} " || fail "the third peer lost 2026-Q$q"; done
"$HLNCTL" -d "$T/n2" --json member list | grep -q "\"rotated_to\":\"${ID[3]}\"" || fail "the third peer does not know the rotation"
ok "the new key stands as the clinic did; its history stays counted and its new quarter arrives everywhere"

# The clinic corrects 2026-Q3 under its new key: one clinic, one unit, the
# newer key's observation counts, the old one is superseded (not added).
csv q3b 2026-Q3 44 100
ctl 3 publish "$T/q3b.csv"
wait_for "the third peer counts the corrected 2026-Q3 once" counts 2 2026-Q3 "${ID[3]} "
"$HLNCTL" -d "$T/n2" bench mhpc.depression-screening --period 2026-Q3 --json | python3 -c "
import json, sys
j = json.load(sys.stdin)
assert [u['numerator'] for u in j['units']] == [44] and j['counts']['superseded'] >= 1, j['counts']
" || fail "the period reported under both keys"
# Every node counts it alike: the third peer's evidence digest agrees with Canada's.
"$HLNCTL" -d "$T/n2" bench verify mhpc.depression-screening --period 2026-Q3 --group CA-ON >"$T/verify.out" 2>&1 ||
    fail "bench verify: $(cat "$T/verify.out")"
grep -qE "^Canada .* answered +[0-9a-f]+ +yes" "$T/verify.out" || fail "Canada's digest differs: $(cat "$T/verify.out")"
ok "a period reported under both keys counts once, the new key's"

# The old key leaked: whoever holds it signs more records (seq 4 and 5) and
# gets them to the nodes through members that relay them. Each node refuses
# them, counts them under reason rotated and logs them.
"$HOSTILE" publish "$T/n1" 2 CA 2>/dev/null || fail "the thief's publish"
# refused I: node I counted and logged them; else relay them (again) to it.
refused() {
    "$HLNCTL" -d "$T/n$1" metrics | grep -qE '^hln_peer_refusals_total\{reason="rotated"\} [1-9]' &&
        grep -q 'event=record-refused .*reason=rotated' "$T/n$1.log" && return 0
    "$HOSTILE" relay "$T/n4" "tcp://127.0.0.1:${PORT[$1]}" "${ID[$1]}" "$T/n1" 4 >/dev/null
    return 1
}
for i in 0 3; do wait_for "n$i counts and logs the leaked records" refused "$i"; done
grep 'reason=rotated' "$T/n0.log" | grep -q 'closed at seq 3' || fail "the log line does not say why"
"$HLNCTL" -d "$T/n0" peer explain "${ID[4]:0:8}" --json | grep -q '"reason":"rotated"' || fail "peer explain"
for i in 0 2 3; do
    "$HLNCTL" -d "$T/n$i" log --json | python3 -c "
import json, sys
sys.exit(1 if any(r['author'] == '${ID[1]}' and r['seq'] > 3 for r in json.load(sys.stdin)) else 0)" ||
        fail "n$i stored a leaked record"
done
counts 0 2026-Q2 "${ID[1]} " || fail "Canada's count changed"
alive 0 2 3
ok "the leaked key's records after seq 3 are refused on every node, counted (rotated) and logged"
