#!/bin/bash
# t_backup.sh - hlnctl backup while hlnd writes; restore; the restored node gets back its own newer records from peers and never forks its feed.
. "$(dirname "$0")/lib_nodes.sh"
BULK=${BACKUP_RECORDS:-3000}

# feed_head NODE AUTHOR_ID: the highest seq NODE holds of AUTHOR's feed (0 if none).
feed_head() {
    "$HLNCTL" -d "$T/n$1" log --json | python3 -c '
import json, sys
seqs = [r["seq"] for r in json.load(sys.stdin) if r["author"] == sys.argv[1]]
print(max(seqs) if seqs else 0)' "$2"
}

# feed_ids NODE AUTHOR_ID: "seq id" lines of AUTHOR's feed as NODE holds it.
feed_ids() {
    "$HLNCTL" -d "$T/n$1" log --json | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["author"] == sys.argv[1]:
        print(r["seq"], r["id"])' "$2"
}

metric() { "$HLNCTL" -d "$T/n$1" metrics | awk -v m="$2" '$1 == m { print $2 }'; }

forks() { status_field "$1" forks_detected; }

# Three nodes: B (n1) and C (n2) dial A (n0), C dials B.
nodes_init 3
link 1 0
link 2 0
link 2 1
for i in 0 1 2; do start_node $i; done
for i in 0 1 2; do "$HOSTILE" publish "$T/n$i" 5 || fail "publish n$i"; done
wait_records 15 20 0 1 2
ok "three nodes hold 15 records"

# Usage and refusals of the commands themselves.
rc=0; "$HLNCTL" -d "$T/n1" backup >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "backup without a path: exit $rc, want 2"
mkdir "$T/exists"
rc=0; err=$("$HLNCTL" -d "$T/n1" backup "$T/exists" 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [[ "$err" == hlnctl:*exists* ]] || fail "backup over an existing path: exit $rc ($err)"
rc=0; "$HLNCTL" -d "$T/n1" restore "$T/exists" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "restore while hlnd runs: exit $rc, want 1"
"$HLNCTL" -d "$T/n1" backup --help | grep -q '^usage: hlnctl' || fail "backup --help"
ok "backup and restore refuse bad use (exit 2), an existing path and a running hlnd (exit 1)"

# A backup of B taken while B's hlnd is writing: A publishes a bulk that
# streams into B, and the copy is made in the middle of it.
"$HOSTILE" publish "$T/n0" "$BULK" || fail "bulk publish on n0"
while [ "$(records 1)" -lt 100 ]; do sleep 0.02; done
"$HLNCTL" -d "$T/n1" backup "$T/bk-b" --json >"$T/bk.json" || fail "backup of n1"
during=$(records 1)
bk_records=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["verified"] and j["problems"] == [], j; print(j["records"])' "$T/bk.json") ||
    fail "the backup did not verify: $(cat "$T/bk.json")"
[ -f "$T/bk-b/data.mdb" ] || fail "the backup is not a directory holding data.mdb"
[ "$(stat -c %a "$T/bk-b")" = 700 ] || fail "the backup directory is not private"
# hlnctl verify on the copy: a data directory made of B's key and the backup.
mkdir -m 700 "$T/bk-check"
cp -p "$T/n1/identity.key" "$T/bk-check/"
cp -r "$T/bk-b" "$T/bk-check/store"
"$HLNCTL" -d "$T/bk-check" verify >"$T/verify.out" || fail "hlnctl verify on the backup: $(cat "$T/verify.out")"
ok "backup taken while hlnd wrote ($bk_records records in the copy, $during after it) verifies"

wait_records $((15 + BULK)) 60 0 1 2
B_ID=${ID[1]}
# After the backup: more on A, and on B itself.
"$HOSTILE" publish "$T/n0" 4 || fail "publish n0"
"$HOSTILE" publish "$T/n1" 3 || fail "publish n1"
TOTAL=$((15 + BULK + 7))
wait_records "$TOTAL" 30 0 1 2
[ "$(feed_head 1 "$B_ID")" -eq 8 ] || fail "B's feed head is $(feed_head 1 "$B_ID"), want 8"
feed_ids 0 "$B_ID" >"$T/b-feed-on-a.before"
ok "after the backup: A published 4, B published 3 (B's feed at seq 8); all hold $TOTAL"

# Restore B from the old backup.
stop_node 1
"$HLNCTL" -d "$T/n1" restore "$T/bk-b" >"$T/restore.out" || fail "restore: $(cat "$T/restore.out")"
grep -q 'before-restore' "$T/restore.out" || fail "restore did not say where the old store went"
ls -d "$T"/n1/store.before-restore-* >/dev/null || fail "the old store was not kept"
[ "$(records 1)" -eq "$bk_records" ] || fail "restored B holds $(records 1), the backup $bk_records"
[ "$(feed_head 1 "$B_ID")" -eq 5 ] || fail "restored B's own feed is at $(feed_head 1 "$B_ID"), want 5"
# Another node's backup is refused.
"$HLNCTL" -d "$T/n0" backup "$T/bk-a" --no-verify >/dev/null || fail "backup of n0"
rc=0; "$HLNCTL" -d "$T/n1" restore "$T/bk-a" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "restoring A's backup into B: exit $rc, want 1"
ok "B restored from the backup: $(records 1) records, own feed at seq 5"

# Until B has its own records back, it must not publish: seq 6 is taken.
rc=0; err=$("$HOSTILE" publish "$T/n1" 1 2>&1) || rc=$?
[ "$rc" -ne 0 ] && [[ "$err" == *"restored from a backup"* ]] || fail "restored B published before catching up (exit $rc: $err)"
[ "$(metric 1 hln_up)" = 0 ] && [ "$(metric 1 hln_catch_up_pending)" = 1 ] ||
    fail "offline metrics do not show the pending catch-up"
ok "restored B refuses to publish before it has caught up (exit $rc)"

start_node 1
wait_records "$TOTAL" 30 1
deadline=$(($(now_ms) + 20000))
until [ "$(metric 1 hln_catch_up_pending)" = 0 ]; do
    [ "$(now_ms)" -gt "$deadline" ] && fail "B never lifted the catch-up mark"
    sleep 0.1
done
grep -q 'event=caught-up' "$T/n1.log" || fail "B did not log event=caught-up"
[ "$(feed_head 1 "$B_ID")" -eq 8 ] || fail "B's own feed is at $(feed_head 1 "$B_ID") after catching up, want 8"
feed_ids 1 "$B_ID" | diff - "$T/b-feed-on-a.before" >/dev/null || fail "B's own records came back different"
ok "B got back A's newer records and its own seqs 6-8 from its peers, then lifted the mark"

# B's feed goes on from seq 9: no fork anywhere.
"$HOSTILE" publish "$T/n1" 2 || fail "publish on B after catching up"
wait_records $((TOTAL + 2)) 30 0 1 2
for i in 0 1 2; do
    [ "$(feed_head $i "$B_ID")" -eq 10 ] || fail "n$i holds B's feed to $(feed_head $i "$B_ID"), want 10"
    [ "$(forks $i)" -eq 0 ] || fail "n$i saw a fork"
done
alive 0 1 2
for i in 0 1 2; do stop_node $i; done
for i in 0 1 2; do "$HLNCTL" -d "$T/n$i" verify >/dev/null || fail "n$i does not verify"; done
ok "B published seq 9-10; every node holds them, no fork, all stores verify"

# By hand: a restore with no peer to catch up from; --done lifts the mark.
"$HLNCTL" -d "$T/n2" restore "$T/bk-b" >/dev/null 2>&1 && fail "restored B's backup into C"
"$HLNCTL" -d "$T/n1" restore "$T/bk-b" >/dev/null || fail "second restore"
[ "$(metric 1 hln_catch_up_pending)" = 1 ] || fail "second restore: no catch-up mark"
"$HLNCTL" -d "$T/n1" restore --done | grep -q 'lifted' || fail "restore --done"
[ "$(metric 1 hln_catch_up_pending)" = 0 ] || fail "restore --done left the mark"
ok "restore --done lifts the mark by hand"
