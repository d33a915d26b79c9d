#!/bin/bash
# t_daemon_crash.sh - SIGKILL during sync loses nothing committed; SIGTERM exits 0 mid-sync; SIGHUP reloads.
. "$(dirname "$0")/lib_nodes.sh"
TOTAL=${CRASH_RECORDS:-30000}
nodes_init 3
link 1 0
link 2 0
"$HOSTILE" publish "$T/n0" "$TOTAL" || fail "publish"
start_node 0
ok "n0 holds $TOTAL records"

# n1 starts from nothing and is killed with SIGKILL while records flow in.
start_node 1
while :; do
    c=$(records 1)
    [ "$c" -ge $((TOTAL / 10)) ] && break
    sleep 0.02
done
kill -9 "${PID[1]}"
wait "${PID[1]}" 2>/dev/null
PID[1]=""
before=$(records 1)
[ "$before" -lt "$TOTAL" ] || fail "n1 finished before it could be killed; raise CRASH_RECORDS"
"$HLNCTL" -d "$T/n1" verify >/dev/null || fail "n1's store does not verify after SIGKILL"
ok "n1 killed at $before of $TOTAL records; its store verifies"

start_node 1
after=$(records 1)
[ "$after" -ge "$before" ] || fail "n1 lost records: $before before the kill, $after after"
wait_records "$TOTAL" 60 1
ok "n1 restarted and caught up to $TOTAL"

# SIGTERM in the middle of a sync: the transaction in progress finishes and hlnd exits 0.
start_node 2
while [ "$(records 2)" -lt $((TOTAL / 10)) ]; do sleep 0.02; done
stop_node 2 TERM
mid=$(records 2)
"$HLNCTL" -d "$T/n2" verify >/dev/null || fail "n2's store does not verify after SIGTERM"
grep -q 'event=stopping' "$T/n2.log" || fail "n2 did not log its stop"
ok "n2 stopped by SIGTERM at $mid records with exit 0"
start_node 2
wait_records "$TOTAL" 60 2
ok "n2 caught up after restart"

# SIGHUP: a good configuration is reloaded, a bad one refused while running on.
sed -i 's/^log_level = .*/log_level = debug/' "$T/n0.conf"
kill -HUP "${PID[0]}"
sleep 0.3
grep -q 'event=reloaded' "$T/n0.log" || fail "SIGHUP did not reload n0's configuration"
echo "bogus_key = 1" >>"$T/n0.conf"
kill -HUP "${PID[0]}"
sleep 0.3
grep -q 'event=reload-refused' "$T/n0.log" || fail "a bad configuration was not refused on SIGHUP"
alive 0 1 2
ok "SIGHUP reloads a good configuration and refuses a bad one"

# A frozen peer (SIGSTOP) is noticed by ZeroMQ heartbeats and comes back
# (SIGCONT) through reconnection, then catches up what it missed.
kill -STOP "${PID[1]}"
sleep 3
grep -q "event=peer-down peer=$(echo "${ID[1]}" | cut -c1-7)" "$T/n0.log" || { kill -CONT "${PID[1]}"; fail "n0 did not notice the frozen n1"; }
"$HOSTILE" publish "$T/n0" 1 || fail "publish"
kill -CONT "${PID[1]}"
wait_records $((TOTAL + 1)) 20 1 2
ok "a frozen peer timed out by heartbeats, came back and caught up"
for i in 0 1 2; do stop_node $i; done
ok "all stopped with exit 0"
