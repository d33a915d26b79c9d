#!/bin/bash
# t_status_forks.sh - fork proofs and flagged authors show in `hlnctl status` (online and offline, table and --json) and in `member list`.
. "$(dirname "$0")/lib_nodes.sh"
# n1 is the rogue: trusted by n0 as an author (so its fork matters) under a
# name, a peer of n0 only. n2 gets the proof passed on from n0.
nodes_init 3
link 2 0
"$HLNCTL" -d "$T/n0" trust add "${ID[1]}" --name "Rogue Clinic" --level national --jurisdiction CA >/dev/null ||
    fail "trust add"
"$HLNCTL" -d "$T/n0" peer add "${ID[1]}" --name rogue >/dev/null || fail "peer add"
R=$(echo "${ID[1]}" | cut -c1-7)

# st I [--json]: hlnctl status of node I into $T/out (exit 0 required).
st() {
    local i=$1
    shift
    "$HLNCTL" -d "$T/n$i" status "$@" >"$T/out" 2>"$T/err" || fail "n$i status $*: $(cat "$T/err")"
}
# js EXPR: a Python expression over the JSON in $T/out (as d).
js() { python3 -c "import json,sys; d=json.load(open('$T/out')); print($1)"; }

# A clean node shows none, offline and online, and keeps the fields that
# scripts read.
st 0
grep -qx "forks:         none" "$T/out" || fail "offline: forks line: $(cat "$T/out")"
grep -qx "flagged:       none" "$T/out" || fail "offline: flagged line"
grep -q "^records:       0$" "$T/out" || fail "offline: records line"
grep -q "^daemon:        not running" "$T/out" || fail "offline: daemon line"
st 0 --json
[ "$(js 'd["fork_proofs"], d["forks"], d["flagged_authors"], d["flagged"], d["daemon"]')" = "0 [] 0 [] False" ] ||
    fail "offline --json on a clean node: $(cat "$T/out")"
for i in 0 2; do start_node $i; done
st 0 --json
[ "$(js 'd["fork_proofs"], d["forks"], d["flagged_authors"], d["flagged"]')" = "0 [] 0 []" ] ||
    fail "online --json on a clean node: $(cat "$T/out")"
[ "$(js '"pid" in d and "records" in d and "peers_up" in d and "forks_detected" in d')" = True ] ||
    fail "online --json lost a field: $(cat "$T/out")"
st 0
grep -qx "forks     none" "$T/out" || fail "online: forks line: $(cat "$T/out")"
grep -qx "flagged   none" "$T/out" || fail "online: flagged line"
grep -q "^behind    0 records$" "$T/out" || fail "online: behind line"
"$HLNCTL" -d "$T/n0" member list >"$T/out" || fail "member list"
grep -q "fork" "$T/out" && fail "a clean node's member list shows a fork: $(cat "$T/out")"
ok "a clean node shows no forks and no flags, offline and online"

# The rogue sends two records for seq 1 of its CA feed (and worse); n0 keeps
# the first and the proof, and passes the proof on to n2.
"$HOSTILE" attack "$T/n1" "tcp://127.0.0.1:${PORT[0]}" "${ID[0]}" >/dev/null || fail "attack did not run"
alive 0 2
for i in 0 2; do
    k=0
    until st $i --json && [ "$(js 'd["fork_proofs"]')" -ge 1 ]; do
        k=$((k + 1))
        [ $k -gt 100 ] && fail "n$i holds no fork proof: $(cat "$T/out")"
        sleep 0.1
    done
done

st 0 --json
[ "$(js 'd["fork_proofs"]')" = 1 ] || fail "n0: $(js 'd["fork_proofs"]') proofs"
[ "$(js 'd["forks"][0]["author"], d["forks"][0]["scope"], d["forks"][0]["seq"]')" = "${ID[1]} CA 1" ] ||
    fail "n0 --json forks: $(js 'd["forks"]')"
[ "$(js 'd["forks"][0]["name"]')" = "Rogue Clinic" ] || fail "n0 --json forks: no name"
[ "$(js 'd["flagged_authors"], d["flagged"][0]["author"], d["flagged"][0]["reason"], d["flagged"][0]["name"]')" = \
    "1 ${ID[1]} fork Rogue Clinic" ] || fail "n0 --json flagged: $(js 'd["flagged"]')"
st 0
grep -qx "forks     1 proof" "$T/out" || fail "n0 table: $(cat "$T/out")"
grep -qx " *$R (Rogue Clinic)  scope CA  seq 1" "$T/out" || fail "n0 table: the proof line: $(cat "$T/out")"
grep -qx "flagged   1 author" "$T/out" || fail "n0 table: flagged"
grep -qx " *$R (Rogue Clinic)  fork" "$T/out" || fail "n0 table: the flagged line: $(cat "$T/out")"
st 2 --json
[ "$(js 'd["forks"][0]["author"], d["flagged"][0]["reason"]')" = "${ID[1]} fork" ] ||
    fail "n2 --json: $(cat "$T/out")"
ok "online status lists the proof (short id, name, scope, seq) and the flagged author, on n0 and on n2"

# member list, beside the running daemon and with nothing in FLAGS (a fork
# needs no entry there): the rogue is flagged "fork".
"$HLNCTL" -d "$T/n0" member list >"$T/out" || fail "member list"
grep -Eq "^$R .* fork +Rogue Clinic$" "$T/out" || fail "member list: $(cat "$T/out")"
"$HLNCTL" -d "$T/n0" member list --json >"$T/out" || fail "member list --json"
[ "$(js '[(m["flagged"], m["flag_reason"]) for m in d if m["id"] == "'"${ID[1]}"'"]')" = "[(True, 'fork')]" ] ||
    fail "member list --json: $(cat "$T/out")"
[ "$(js '[m["id"] for m in d if m["flagged"]]')" = "['${ID[1]}']" ] || fail "member list flags someone else"
"$HLNCTL" -d "$T/n2" member list --json >"$T/out" || fail "n2 member list --json"
[ "$(js '[m["flag_reason"] for m in d if m["id"] == "'"${ID[1]}"'"]')" = "['fork']" ] ||
    fail "n2 member list --json: $(cat "$T/out")"
ok "member list shows the forked author flagged (fork), on n0 and n2"

# Offline, the same, from the store.
for i in 0 2; do stop_node $i; done
st 0 --json
[ "$(js 'd["daemon"], d["fork_proofs"], d["forks"][0]["author"], d["forks"][0]["scope"], d["forks"][0]["seq"]')" = \
    "False 1 ${ID[1]} CA 1" ] || fail "offline --json: $(cat "$T/out")"
[ "$(js 'd["flagged"]')" = "[{'author': '${ID[1]}', 'name': 'Rogue Clinic', 'reason': 'fork'}]" ] ||
    fail "offline --json flagged: $(js 'd["flagged"]')"
st 0
grep -qx "forks:         1 proof" "$T/out" || fail "offline table: $(cat "$T/out")"
grep -qx "               $R (Rogue Clinic)  scope CA  seq 1" "$T/out" || fail "offline table: proof line"
grep -qx "flagged:       1 author" "$T/out" || fail "offline table: flagged"
grep -qx "               $R (Rogue Clinic)  fork" "$T/out" || fail "offline table: flagged line"
grep -q "^daemon:        not running" "$T/out" || fail "offline: daemon line"
"$HLNCTL" -d "$T/n0" member list >"$T/out" || fail "member list offline"
grep -Eq "^$R .* fork +Rogue Clinic$" "$T/out" || fail "member list offline: $(cat "$T/out")"
ok "offline status and member list show the same"

# Flags from the FLAGS table (written by hlnd on a policy breach; here with
# mdb_load): the rogue's stays "fork" (the first reason is kept, forks
# first), n2 is flagged "policy", a damaged entry flags a stranger
# "flagged". Each flagged author is listed once.
command -v mdb_load >/dev/null || fail "mdb_load is missing (lmdb-utils)"
hexid() { python3 -c "import base64,sys; print(base64.b32decode(sys.argv[1].replace('-',''))[:32].hex())" "$1"; }
hexstr() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
X=$(python3 -c "import os; print(os.urandom(32).hex())")
{
    printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n'
    printf ' %s\n %s\n' "$(hexid "${ID[1]}")" "$(hexstr '{"reason":"policy","at_ms":1}')"
    printf ' %s\n %s\n' "$(hexid "${ID[2]}")" "$(hexstr '{"reason":"policy","at_ms":2}')"
    printf ' %s\n %s\n' "$X" "$(hexstr 'not json')"
    printf 'DATA=END\n'
} >"$T/flags.dump"
mdb_load -s flags -f "$T/flags.dump" "$T/n0/store" || fail "mdb_load"
st 0 --json
[ "$(js 'd["fork_proofs"], d["flagged_authors"], len(d["flagged"])')" = "1 3 3" ] ||
    fail "offline --json with FLAGS: $(js 'd["flagged"]')"
[ "$(js 'sorted(f["reason"] for f in d["flagged"])')" = "['flagged', 'fork', 'policy']" ] ||
    fail "flagged reasons: $(js 'd["flagged"]')"
[ "$(js '[f["reason"] for f in d["flagged"] if f["author"] == "'"${ID[1]}"'"]')" = "['fork']" ] ||
    fail "the rogue is not flagged fork first"
[ "$(js '[f["reason"] for f in d["flagged"] if f["author"] == "'"${ID[2]}"'"]')" = "['policy']" ] ||
    fail "n2 is not flagged policy"
cp "$T/out" "$T/offline.json"
st 0
grep -qx "flagged:       3 authors" "$T/out" || fail "offline table with FLAGS: $(cat "$T/out")"
grep -qx "               $(echo "${ID[2]}" | cut -c1-7)  policy" "$T/out" || fail "offline table: n2 policy"
"$HLNCTL" -d "$T/n0" member list --json >"$T/out" || fail "member list --json"
[ "$(js 'sorted(m["flag_reason"] for m in d if m["flagged"])')" = "['flagged', 'fork', 'policy']" ] ||
    fail "member list --json flags: $(cat "$T/out")"
ok "FLAGS entries show in status and member list beside the fork, each author once"

# hlnd answers the same lists (its store, named by its trust graph).
start_node 0
st 0 --json
python3 -c "
import json,sys
a=json.load(open('$T/offline.json')); b=json.load(open('$T/out'))
for k in ('fork_proofs','forks','flagged_authors','flagged'):
    assert a[k]==b[k], (k, a[k], b[k])
" || fail "online and offline lists differ"
stop_node 0
for i in 0 2; do "$HLNCTL" -d "$T/n$i" verify >/dev/null || fail "n$i does not verify"; done
ok "online status lists what offline status lists; stores verify"
