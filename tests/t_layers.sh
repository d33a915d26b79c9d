#!/bin/sh
# t_layers.sh - the layers of docs/ARCHITECTURE.md hold in the built programs: no hlnctl command
# in hlnd, no daemon code in hlnctl, and the include rule (scripts/check_layers.py) holds.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
for b in hlnd hlnctl; do [ -x "$BUILD/$b" ] || { echo "t_layers: $BUILD/$b missing" >&2; exit 1; }; done

n=$(nm "$BUILD/hlnd" | grep -c ' hln_cli_')
[ "$n" -eq 0 ] || fail "hlnd holds $n hlnctl command symbols: $(nm "$BUILD/hlnd" | grep ' hln_cli_' | head -3)"
n=$(nm "$BUILD/hlnctl" | grep -c ' hlnd_')
[ "$n" -eq 0 ] || fail "hlnctl holds $n daemon symbols: $(nm "$BUILD/hlnctl" | grep ' hlnd_' | head -3)"
# The check itself must catch a violation: a library file that prints.
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$T/scripts" "$T/crypto" "$T/proto" "$T/store" "$T/node/hlnd" "$T/node/hlnctl"
cp "$ROOT/scripts/check_layers.py" "$T/scripts/"
printf '#include "node/hlnctl/cli.h"\nvoid f(void) { printf("x"); }\n' >"$T/node/bad.c"
if python3 "$T/scripts/check_layers.py" 2>"$T/err"; then fail "check_layers.py accepted a library file that includes hlnctl and prints"; fi
grep -q 'node/bad.c:1: includes "node/hlnctl/cli.h"' "$T/err" || fail "the upward include was not named: $(cat "$T/err")"
grep -q 'node/bad.c:2: the library prints' "$T/err" || fail "the printf was not named: $(cat "$T/err")"
python3 "$ROOT/scripts/check_layers.py" >/dev/null || fail "the tree breaks its own layers"
[ "$fails" -eq 0 ] && echo "t_layers: ok (hlnd has no hln_cli_*, hlnctl no hlnd_*, includes follow the layers)"
[ "$fails" -eq 0 ]
