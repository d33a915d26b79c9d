#!/bin/bash
# t_daemon_accounting.sh - every refusal is accounted for: a valid record refused by the disclosure policy is counted under hln_refusals_total{reason="policy"} and logged; a fork found in pushed records is logged.
. "$(dirname "$0")/lib_nodes.sh"
# nodes_init, but n0 is a national authority, which may set a policy.
for i in 0 1 2; do
    lvl=organization
    [ $i -eq 0 ] && lvl=national
    ID[$i]=$("$HLNCTL" -d "$T/n$i" init --name "node$i" --level $lvl --jurisdiction CA) || fail "init n$i"
    PORT[$i]=$(free_port)
    write_conf $i
done
for i in 0 1 2; do
    for j in 0 1 2; do "$HOSTILE" trust "$T/n$i" "${ID[$j]}" national CA || fail "trust"; done
done
link 1 0
"$HLNCTL" -d "$T/n0" peer add "${ID[2]}" --name rogue >/dev/null || fail "peer add"
start_node 0
# n2 pushes two records for seq 1 of its CA feed: n0 keeps the first, the
# proof, and says so in its log.
S2=$(echo "${ID[2]}" | cut -c1-7)
"$HOSTILE" attack "$T/n2" "tcp://127.0.0.1:${PORT[0]}" "${ID[0]}" >/dev/null || fail "attack did not run"
alive 0
k=0
until grep -q "event=fork author=$S2 seq=1" "$T/n0.log"; do
    k=$((k + 1))
    [ $k -gt 200 ] && fail "n0 did not log the fork: $(grep -c . "$T/n0.log") lines"
    sleep 0.05
done
grep "event=fork author=$S2" "$T/n0.log" | head -1
ok "a fork found in pushed records is logged"
stop_node 0

# n0 holds CA to a minimum cell of 60: n1's 50/100 observations are small
# there, though n1 (default policy) publishes them.
"$HLNCTL" -d "$T/n0" policy set --min-cell 60 --scope CA >/dev/null || fail "policy set"
base=$(records 0)
for i in 0 1; do start_node $i; done
"$HOSTILE" publish "$T/n1" 2 CA || fail "publish"
S1=$(echo "${ID[1]}" | cut -c1-7)
k=0
until grep -q "event=record-refused .*author=$S1 .*reason=policy" "$T/n0.log"; do
    k=$((k + 1))
    [ $k -gt 200 ] && fail "n0 did not log the policy refusal: $(tail -5 "$T/n0.log")"
    alive 0 1
    sleep 0.05
done
"$HLNCTL" -d "$T/n0" metrics >"$T/m.txt" || fail "metrics"
p=$(sed -n 's/^hln_refusals_total{reason="policy"} \([0-9]*\)$/\1/p' "$T/m.txt")
echo "hln_refusals_total{reason=\"policy\"} on n0: ${p:-absent}"
[ "${p:-0}" -ge 1 ] || fail "the policy refusal is not counted: $(grep refusals "$T/m.txt")"
[ "$(records 0)" -eq "$base" ] || fail "n0 stored a record its policy refuses"
ok "a record refused by the disclosure policy is counted (reason=policy) and logged"

for i in 0 1; do stop_node $i; done
