#!/bin/bash
# t_daemon_cli.sh - hlnd's command line, configuration checks, control socket, single instance, peer commands.
. "$(dirname "$0")/lib_nodes.sh"
nodes_init 2

# --check-config: a good file passes, a bad one names FILE:LINE.
cp "$T/n0.conf" "$T/good.conf"
"$HLND" --check-config -c "$T/good.conf" >/dev/null || fail "good config refused"
printf '[node]\nlog_level = info\n[gossip]\ntick_ms = 5\n' >"$T/bad.conf"
out=$("$HLND" --check-config -c "$T/bad.conf" 2>&1) && fail "bad config accepted"
echo "$out" | grep -q "$T/bad.conf:4: tick_ms" || fail "no FILE:LINE in: $out"
printf '[node]\nlisten = tcp://127.0.0.1:1\nfrobnicate = yes\n' >"$T/bad2.conf"
out=$("$HLND" --check-config -c "$T/bad2.conf" 2>&1) && fail "unknown key accepted"
echo "$out" | grep -q "bad2.conf:3: unknown key" || fail "unknown key message: $out"
rc=0
"$HLND" -d "$T/n0" -c "$T/bad.conf" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "hlnd with a bad config exited $rc, not 2"
rc=0
"$HLND" -d "$T/nowhere" 2>/dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "hlnd started without a node"
ok "configuration checks"

# Peer commands while hlnd is down write the table; list says offline.
"$HLNCTL" -d "$T/n0" peer add "${ID[1]}" "tcp://127.0.0.1:${PORT[1]}" --name one >/dev/null || fail "peer add"
"$HLNCTL" -d "$T/n0" peer list | grep -q "one .*offline" || fail "offline list"
rc=0
"$HLNCTL" -d "$T/n0" peer add "${ID[1]}" "http://nope" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "a bad endpoint was not a usage error"
rc=0
"$HLNCTL" -d "$T/n0" peer add "AAAAAAA-BBBBBBB" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "a bad id was not a usage error"
"$HLNCTL" -d "$T/n1" peer add "${ID[0]}" --name zero >/dev/null || fail "peer add"
"$HOSTILE" publish "$T/n0" 2 || fail "publish while down"
ok "peer add/list and publish work while hlnd is down"

start_node 0
start_node 1
wait_records 2 20 1
[ "$(stat -c %a "$T/n0/control.sock")" = 660 ] || fail "control.sock is not 0660"
[ "$(stat -c %a "$T/n0/store/data.mdb" 2>/dev/null || echo 600)" = 600 ] || fail "store file not private"
rc=0
timeout 5 "$HLND" -d "$T/n0" --listen "tcp://127.0.0.1:$(free_port)" 2>"$T/second.log" || rc=$?
[ "$rc" -ne 0 ] && grep -q "another hlnd" "$T/second.log" || fail "a second hlnd on the same directory was not refused"
"$HLNCTL" -d "$T/n0" peer list | grep -q "one .* up " || { "$HLNCTL" -d "$T/n0" peer list; fail "online list"; }
"$HOSTILE" status "$T/n0" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["peers_up"]==1 and d["records"]==2, d' || fail "status"
ok "online: control socket 0660, single instance, peer list up, status"

# publish pokes the daemon: the record is pushed at once, not at the next anti-entropy round.
t=$(now_ms)
"$HOSTILE" publish "$T/n0" 1 || fail "publish"
wait_records 3 10 1
ok "a published record crossed one hop in $(($(now_ms) - t)) ms"
stop_node 0
stop_node 1
