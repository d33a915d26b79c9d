#!/usr/bin/env bash
# demo.sh - one hln node end to end: create it, define the sample indicators, publish the sample CSV with suppression, show the log, verify.
# `make demo` runs it with BUILD set; the binaries are in $BUILD. Everything lives in a temporary directory.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD=${BUILD:-build}
HLNCTL="$ROOT/$BUILD/hlnctl"
[ -x "$HLNCTL" ] || { echo "demo: $HLNCTL is not built (make all)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
NODE="$WORK/clinic-alpha"

if [ -t 1 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
step() { printf '\n%s== %s%s\n$ %s\n' "$BOLD" "$1" "$PLAIN" "${*:2}"; }
show() { step "$@"; "${@:2}"; }

show "Create a node: a primary care clinic in Ontario, Canada" \
    "$HLNCTL" -d "$NODE" init --name "Clinic Alpha" --jurisdiction CA-ON
show "Its identity: the key file is 0600, the data directory 0700" \
    ls -la "$NODE"
show "The node id and its CURVE public key (no secret in the output)" \
    "$HLNCTL" -d "$NODE" id --json
show "Define the sample indicators (mental health in primary care, OECD-style hospital measures)" \
    "$HLNCTL" -d "$NODE" indicator define "$ROOT/configs/indicators.ini"
show "The definitions held" \
    "$HLNCTL" -d "$NODE" indicator list
show "What publishing the sample would do: small cells (< 11) and their complements are withheld" \
    "$HLNCTL" -d "$NODE" publish --dry-run "$ROOT/configs/sample.csv"
show "Publish it: all rows in one batch, signed and hash-chained in the node's feed for scope CA" \
    "$HLNCTL" -d "$NODE" publish "$ROOT/configs/sample.csv"
show "What was stored" \
    "$HLNCTL" -d "$NODE" log
show "Re-check every record: signatures, body hashes, chain links, indexes" \
    "$HLNCTL" -d "$NODE" verify
show "The node's status (offline)" \
    "$HLNCTL" -d "$NODE" status
printf '\ndemo: ok (the temporary node in %s is removed)\n' "$WORK"
