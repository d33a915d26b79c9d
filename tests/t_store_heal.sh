#!/bin/bash
# t_store_heal.sh - a store that heals: a flipped byte in a record is named by verify, quarantined at start and fetched again from a peer; verify --repair takes it back from a backup; a flipped bit in an LMDB branch page makes verify report damage, not segfault.
. "$(dirname "$0")/lib_nodes.sh"
command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null || fail "mdb_dump/mdb_load missing (lmdb-utils)"
nodes_init 2
link 1 0
for i in 0 1; do start_node $i; done
"$HOSTILE" publish "$T/n1" 300 CA || fail "publish"
wait_records 300 60 0
"$HLNCTL" -d "$T/n0" backup "$T/bk" >/dev/null || fail "backup"
for i in 0 1; do stop_node $i; done
"$HLNCTL" -d "$T/n0" verify >/dev/null || fail "n0 does not verify before the damage"
ok "n0 holds n1's 300 records, backed up"

# flip STORE_DIR TABLE NTH: flip one bit near the end of the NTH value of TABLE; print its key (hex).
flip() {
    mdb_dump -s "$2" "$1" >"$T/dump" || fail "mdb_dump $2"
    python3 - "$T/dump" "$3" <<'PY' || fail "flip"
import sys
lines = open(sys.argv[1]).read().split("\n")
start = lines.index("HEADER=END") + 1
n = int(sys.argv[2])
key = lines[start + 2 * n].strip()
val = bytearray(bytes.fromhex(lines[start + 2 * n + 1].strip()))
val[len(val) - 5] ^= 0x01
lines[start + 2 * n + 1] = " " + val.hex()
open(sys.argv[1], "w").write("\n".join(l for l in lines if not l.startswith("db_pagesize=")))
print(key)
PY
    mdb_load -s "$2" -f "$T/dump" "$1" || fail "mdb_load $2"
}
id=$(flip "$T/n0/store" records 100)
short=${id:0:16}
rm -rf "$T/c0" && cp -a "$T/n0" "$T/c0" && rm -f "$T/c0/hlnd.lock" "$T/c0/control.sock"
rc=0
"$HLNCTL" -d "$T/n0" verify >"$T/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "verify after a flipped byte: exit $rc"
grep -q "record $short" "$T/out" || fail "verify does not name record $short: $(cat "$T/out")"
ok "verify names the damaged record $short"

# hlnd refused to start here ("store (LMDB) failure"); now it quarantines
# the record and what follows it in its feed, and n1 gives them back.
for i in 0 1; do start_node $i; done
grep -q "event=record-damaged record=$short .*action=quarantined-refetch" "$T/n0.log" ||
    fail "hlnd did not say which record is damaged: $(grep store "$T/n0.log")"
t0=$(now_ms)
wait_records 300 60 0
echo "n0 took back its quarantined records in $(($(now_ms) - t0)) ms"
for i in 0 1; do stop_node $i; done
"$HLNCTL" -d "$T/n0" verify >"$T/out" 2>&1 || fail "n0 does not verify after the refetch: $(cat "$T/out")"
ok "hlnd starts on a damaged store, says which record, and fetches it again from a peer"

# The same damage, repaired from the backup without any peer.
"$HLNCTL" -d "$T/c0" verify --repair --from "$T/bk" >"$T/out" 2>&1 || fail "verify --repair: $(cat "$T/out")"
grep -q "^damaged: record $short" "$T/out" || fail "repair does not name the record: $(cat "$T/out")"
grep -q "taken back from" "$T/out" || fail "repair took nothing back: $(cat "$T/out")"
[ "$("$HOSTILE" count "$T/c0" | cut -d' ' -f2)" = 300 ] || fail "after repair: $("$HOSTILE" count "$T/c0")"
"$HLNCTL" -d "$T/c0" verify >/dev/null || fail "the repaired store does not verify"
ok "verify --repair --from BACKUP: $(grep '^repair:' "$T/out" | head -1)"

# A changed index entry: verify names it, bench's walk never uses it.
flip "$T/n0/store" obs 7 >/dev/null
rc=0
"$HLNCTL" -d "$T/n0" verify >"$T/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "verify after a changed index entry: exit $rc"
start_node 0
stop_node 0
"$HLNCTL" -d "$T/n0" verify >"$T/out" 2>&1 || fail "the index was not fixed at start: $(cat "$T/out")"
grep -q "event=index-fixed" "$T/n0.log" || fail "hlnd did not log the index fix"
ok "a changed index entry is found by verify and fixed by hlnd at start"

# The background check: the index changed under a running hlnd.
sed -i "s|^\[node\]$|[node]\nindex_check_ms = 1000|" "$T/n0.conf"
start_node 0
n_before=$(grep -c "event=index-fixed" "$T/n0.log")
flip "$T/n0/store" obs 11 >/dev/null
k=0
until [ "$(grep -c "event=index-fixed" "$T/n0.log")" -gt "$n_before" ]; do
    k=$((k + 1))
    [ $k -gt 100 ] && fail "the background check did not fix the index: $(grep index-checked "$T/n0.log" | tail -2)"
    sleep 0.1
done
grep "event=index-checked" "$T/n0.log" | tail -1
stop_node 0
"$HLNCTL" -d "$T/n0" verify >"$T/out" 2>&1 || fail "after the background check: $(cat "$T/out")"
ok "hlnd checks and fixes its index in the background (index_check_ms)"

# A damaged branch page: every command, verify included, crashed in
# liblmdb. Point the second child of a branch page at the branch page
# itself (as a flipped bit in a page number can): a cursor walking on from
# the first child meets a branch where a leaf must be, and liblmdb aborts.
# Try branch pages until a plain reader (hlnctl log) crashes on one; verify
# on that copy must report damage and exit 1.
"$HLNCTL" -d "$T/b" init --name b --jurisdiction CA >/dev/null || fail "init b"
"$HOSTILE" publish "$T/b" 3000 CA || fail "publish 3000"
cat >"$T/bflip.py" <<'PY'
import struct, sys
p, which = sys.argv[1], int(sys.argv[2])
data = bytearray(open(p, "rb").read())
seen = 0
for pg in range(2, len(data) // 4096):
    off = pg * 4096
    if struct.unpack_from("<H", data, off + 10)[0] == 0x01:  # P_BRANCH
        if seen == which:
            nn = (struct.unpack_from("<H", data, off + 12)[0] - 16) // 2
            if nn < 2:
                sys.exit(2)
            ptr = struct.unpack_from("<H", data, off + 16 + 2)[0]
            struct.pack_into("<HHH", data, off + ptr, pg & 0xFFFF, pg >> 16, 0)
            open(p, "wb").write(data)
            sys.exit(0)
        seen += 1
sys.exit(1)
PY
crashed=0 tries=0
for w in $(seq 0 40); do
    rm -rf "$T/c" && cp -a "$T/b" "$T/c"
    rc=0
    python3 "$T/bflip.py" "$T/c/store/data.mdb" "$w" || rc=$?
    [ "$rc" -eq 1 ] && break
    [ "$rc" -eq 2 ] && continue
    tries=$((tries + 1))
    rc=0
    sh -c '"$0" -d "$1" log >/dev/null 2>&1; exit $?' "$HLNCTL" "$T/c" 2>/dev/null || rc=$?
    [ "$rc" -ge 128 ] || continue
    crashed=1
    rc=0
    "$HLNCTL" -d "$T/c" verify >"$T/out" 2>&1 || rc=$?
    [ "$rc" -eq 1 ] || fail "verify on a damaged branch page: exit $rc: $(tail -3 "$T/out")"
    grep -q "the check crashed" "$T/out" || fail "verify did not report the crash: $(tail -3 "$T/out")"
    break
done
[ "$tries" -gt 0 ] || fail "no branch page to damage"
[ "$crashed" -eq 1 ] || fail "no damaged branch page crashed liblmdb in $tries tries (the test needs one)"
echo "$(grep crashed "$T/out")"
ok "a damaged branch page that crashes liblmdb is reported by verify as damage (exit 1), after $tries tries"
