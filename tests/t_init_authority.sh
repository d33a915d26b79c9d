#!/bin/bash
# t_init_authority.sh - `hlnctl init --authority` leaves an authority ready to admit, with nothing else run.
set -u
BUILD=${BUILD:-build}
H=$BUILD/hlnctl
T=$(mktemp -d /tmp/hln-auth-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

X=$("$H" -d "$T/x" init --name Clinic --jurisdiction CA-ON) || fail "init clinic"

# Each level: init --authority, then member issue of another key at once.
G=$("$H" -d "$T/g" init --authority --name Coordinator --level global --jurisdiction global 2>"$T/err") ||
    fail "init --authority global: $(cat "$T/err")"
grep -q 'ready to admit' "$T/err" || fail "no note that the coordinator is ready"
CA=$("$H" -d "$T/ca" init --authority --name Canada --level national --jurisdiction CA 2>/dev/null) ||
    fail "init --authority national"
ON=$("$H" -d "$T/on" init --authority --name Ontario --level subnational --jurisdiction CA-ON 2>/dev/null) ||
    fail "init --authority subnational"
"$H" -d "$T/g" member issue "$CA" --name Canada --level national --jurisdiction CA >/dev/null ||
    fail "the coordinator cannot admit a country right after init --authority"
"$H" -d "$T/ca" member issue "$X" --name Clinic --level organization --jurisdiction CA-ON >/dev/null ||
    fail "Canada cannot admit a clinic right after init --authority"
"$H" -d "$T/on" member issue "$X" --name Clinic --level organization --jurisdiction CA-ON >/dev/null ||
    fail "Ontario cannot admit a clinic right after init --authority"
ok "member issue succeeds right after init --authority (global, national, subnational)"

# What it made: its own anchor, from the operator, and a self-description.
"$H" -d "$T/ca" trust list --json | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert len(a) == 1 and a[0]["level"] == "national" and a[0]["jurisdiction"] == "CA" \
    and a[0]["source"] == "operator", a' || fail "Canada's own anchor"
"$H" -d "$T/ca" log --json | python3 -c '
import json, sys
recs = json.load(sys.stdin)
recs = recs.get("records", recs) if isinstance(recs, dict) else recs
m = [r for r in recs if r.get("type") == "member" and r.get("scope") == "global"]
assert m, recs' || fail "Canada's self-description in scope global"
"$H" -d "$T/g" id --json | grep -q '"level":"global"' || fail "the coordinator's level"
ok "an anchor from the operator and a self-description in scope global"

# Refusals, before any node is made.
"$H" -d "$T/o1" init --authority --name Org 2>/dev/null; [ $? -eq 2 ] || fail "an organization authority"
[ ! -e "$T/o1/identity.key" ] || fail "a refused init made a node"
"$H" -d "$T/o2" init --authority --name N --level national 2>/dev/null; [ $? -eq 2 ] ||
    fail "a national authority with no country"
"$H" -d "$T/o3" init --name N --level national --jurisdiction global 2>/dev/null; [ $? -eq 2 ] ||
    fail "global is the global level's jurisdiction alone"
"$H" -d "$T/o4" init --name G --jurisdiction global >/dev/null || fail "--jurisdiction global implies the level"
"$H" -d "$T/o4" id --json | grep -q '"level":"global"' || fail "--jurisdiction global gives the global level"
ok "usage errors: organization, no country, global for another level"
