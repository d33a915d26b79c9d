#!/usr/bin/env bash
# t_tour.sh - the two-node walk-through of docs/RUNNING.md section 2, command
# by command: a national authority and a clinic peer, publish, and agree.
set -u
BUILD=${BUILD:-build}
HLND=$BUILD/hlnd
HLNCTL=$BUILD/hlnctl
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/hln-tour-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -10 "$f"; }; done
    exit 1
}
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
n() { "$HLNCTL" -d "$T/n" "$@"; }
c() { "$HLNCTL" -d "$T/c" "$@"; }
records() { "$HLNCTL" -d "$1" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])'; }

echo "# 1. identities"
n init --name "Canada MoH" --level national --jurisdiction CA >/dev/null || fail "init N"
c init --name "Riverside" --level organization --jurisdiction CA-ON >/dev/null || fail "init C"
N=$(n id) && C=$(c id) || fail "id"

echo "# 2. the national authority: anchor, self-description, admission, catalogue"
n trust add "$N" --name "Canada MoH" --level national --jurisdiction CA >/dev/null || fail "trust add on N"
n member issue "$N" --name "Canada MoH" --level national --jurisdiction CA >/dev/null || fail "self-description"
n member issue "$C" --name "Riverside" --level organization --jurisdiction CA-ON >/dev/null || fail "admit C"
n indicator define "$ROOT/configs/indicators.ini" >/dev/null || fail "catalogue"

echo "# 3. the clinic: anchor and dial"
PN=$(port)
PC=$(port)
c trust add "$N" --name "Canada MoH" >/dev/null || fail "trust add on C"
c peer add "$N" "tcp://127.0.0.1:$PN" --name "Canada MoH" >/dev/null || fail "peer add"

echo "# 4. start both"
"$HLND" -d "$T/n" --listen "tcp://127.0.0.1:$PN" 2>"$T/n.log" &
PIDS+=($!)
"$HLND" -d "$T/c" --listen "tcp://127.0.0.1:$PC" 2>"$T/c.log" &
PIDS+=($!)

echo "# 5. publish on the clinic; both converge and agree"
# The catalogue comes from N: the clinic can publish once it has arrived.
for _ in $(seq 100); do
    [ "$(c indicator list --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)" = 6 ] && break
    sleep 0.1
done
c publish "$ROOT/configs/sample.csv" >/dev/null || fail "publish"
want=$(records "$T/c")
for _ in $(seq 100); do
    [ "$(records "$T/n")" = "$want" ] && break
    sleep 0.1
done
[ "$(records "$T/n")" = "$want" ] || fail "N holds $(records "$T/n") records, C $want"
dn=$(n bench mhpc.depression-screening --period 2026-Q3 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
dc=$(c bench mhpc.depression-screening --period 2026-Q3 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
[ -n "$dn" ] && [ "$dn" = "$dc" ] || fail "digests differ: N $dn, C $dc"
c bench verify mhpc.depression-screening --period 2026-Q3 >"$T/verify.out" || fail "bench verify: $(cat "$T/verify.out")"
grep -q "1 agrees" "$T/verify.out" || fail "bench verify did not agree"
echo "t_tour: ok ($want records, digest ${dn:0:12})"
