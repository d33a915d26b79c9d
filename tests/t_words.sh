#!/bin/bash
# t_words.sh - a clear word for every fault: a FIFO given to publish or indicator define is refused at once; a key file or control socket the user may not open says "permission denied", not "input/output error" or "resource busy".
. "$(dirname "$0")/lib_nodes.sh"
nodes_init 1

# 1. A FIFO used to block the open forever.
mkfifo "$T/fifo"
for c in publish "indicator define"; do
    rc=0
    timeout 10 "$HLNCTL" -d "$T/n0" $c "$T/fifo" >/dev/null 2>"$T/err" || rc=$?
    [ "$rc" -ne 124 ] || fail "hlnctl $c FIFO blocked"
    [ "$rc" -eq 1 ] || fail "hlnctl $c FIFO: exit $rc"
    grep -q "not a regular file" "$T/err" || fail "hlnctl $c FIFO: $(cat "$T/err")"
done
ok "publish and indicator define refuse a FIFO at once ($(cat "$T/err"))"

# 2. Another user: as root, run hlnctl as nobody; as anyone else, the files
#    are root's already or made unreadable.
if [ "$(id -u)" -eq 0 ]; then
    command -v setpriv >/dev/null || { echo "SKIP: setpriv missing: permission words not checked"; exit 0; }
    as_other() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
    chmod 755 "$T"
    chmod 711 "$T/n0"
else
    as_other() { "$@"; }
    chmod 000 "$T/n0/identity.key"
fi
rc=0
as_other "$HLNCTL" -d "$T/n0" status >/dev/null 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "status by another user: exit $rc"
grep -q "identity.key: permission denied" "$T/err" || fail "unreadable key: $(cat "$T/err")"
grep -q "input/output" "$T/err" && fail "unreadable key: $(cat "$T/err")"
ok "an unreadable key file: $(head -1 "$T/err")"

[ "$(id -u)" -eq 0 ] || chmod 600 "$T/n0/identity.key"
start_node 0
rc=0
as_other "$HLNCTL" -d "$T/n0" status >/dev/null 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "status by a user who may not open the socket succeeded"
grep -q "permission denied" "$T/err" || fail "control socket: $(cat "$T/err")"
grep -q "resource busy" "$T/err" && fail "control socket: $(cat "$T/err")"
ok "a control socket the user may not open: $(head -1 "$T/err")"
stop_node 0
