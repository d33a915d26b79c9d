#!/usr/bin/env bash
# t_systemd_unit.sh - configs/hlnd.service: the directives it must hold, `systemd-analyze verify`, and the offline security exposure score.
set -u
BUILD=${BUILD:-build}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
UNIT="$ROOT/configs/hlnd.service"
# The worst exposure accepted from `systemd-analyze security` (0 best, 10 worst).
MAX_EXPOSURE=${MAX_EXPOSURE:-2.5}

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

[ -f "$UNIT" ] || { echo "t_systemd_unit: $UNIT missing" >&2; exit 1; }

echo "# the directives the original design asks for (shared/design/ARCHITECTURE.md section 8; docs/OPERATIONS.md)"
for d in 'Type=notify' 'ExecReload=/bin/kill -HUP $MAINPID' 'User=hln' 'StateDirectory=hln' \
    'StateDirectoryMode=0700' 'RuntimeDirectory=hln' 'ConfigurationDirectory=hln' 'UMask=0077' \
    'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
    'PrivateDevices=yes' 'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' \
    'ProtectKernelLogs=yes' 'ProtectControlGroups=yes' 'ProtectClock=yes' 'ProtectHostname=yes' \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'RestrictNamespaces=yes' \
    'RestrictRealtime=yes' 'RestrictSUIDSGID=yes' 'LockPersonality=yes' \
    'MemoryDenyWriteExecute=yes' 'SystemCallFilter=@system-service' \
    'SystemCallArchitectures=native' 'CapabilityBoundingSet=' 'Restart=on-failure' 'LimitCORE=0'; do
    grep -qxF -- "$d" "$UNIT" || fail "unit lacks '$d'"
done
grep -q '^LimitNOFILE=[0-9]' "$UNIT" || fail "unit lacks LimitNOFILE"
# `systemctl help hlnd` opens the man pages that make install puts in place.
grep -qxF 'Documentation=man:hlnd(8) man:hlnd.conf(5)' "$UNIT" ||
    fail "unit lacks Documentation=man:hlnd(8) man:hlnd.conf(5)"
for m in docs/man/hlnd.8 docs/man/hlnd.conf.5; do
    [ -f "$ROOT/$m" ] || fail "Documentation= names $m, which is missing"
done

echo "# the header's install steps are make install's"
# make install installs the unit and the sysusers.d file; systemd-sysusers
# makes the user. The header must not send operators to copy files by hand.
grep -q '^#.*systemd-sysusers' "$UNIT" || fail "the header does not create the user with systemd-sysusers"
grep -q '^#.*useradd' "$UNIT" && fail "the header still creates the user with useradd"
grep -q '^#.*install .*configs/hlnd.service' "$UNIT" && fail "the header still copies the unit by hand"
grep -q 'configs/hln.sysusers $(DESTDIR)$(SYSUSERSDIR)/hln.conf' "$ROOT/Makefile" ||
    fail "make install no longer installs the sysusers.d file the header relies on"

echo "# ExecStart matches make install (PREFIX/sbin/hlnd)"
prefix=$(sed -n 's/^PREFIX *?= *//p' "$ROOT/Makefile")
[ -n "$prefix" ] || fail "no PREFIX in the Makefile"
grep -q "^ExecStart=$prefix/sbin/hlnd -c /etc/hln/hlnd.conf" "$UNIT" ||
    fail "ExecStart is not $prefix/sbin/hlnd -c /etc/hln/hlnd.conf"
grep -q 'install -m 0755 $(BUILD)/hlnd $(DESTDIR)$(PREFIX)/sbin/hlnd' "$ROOT/Makefile" ||
    fail "make install no longer puts hlnd in PREFIX/sbin"

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIP: no systemd-analyze (install the Debian package systemd); static checks only"
    [ $fails -eq 0 ] || exit 1
    exit 0
fi

# verify wants the programs named in Exec lines to exist: point a copy of the
# unit at the built hlnd, or at a stub when it is not built.
HLND="$ROOT/$BUILD/hlnd"
if [ ! -x "$HLND" ]; then
    HLND="$T/hlnd"
    printf '#!/bin/sh\nexit 0\n' >"$HLND"
    chmod 755 "$HLND"
fi
sed "s|/usr/local/sbin/hlnd|$HLND|g" "$UNIT" >"$T/hlnd.service"

echo "# systemd-analyze verify"
# --man=no: the Documentation= line names a file installed with the docs.
SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$T/hlnd.service" >"$T/verify" 2>&1
rc=$?
# Lines about other units (the host's own, in a container) are not ours.
grep 'hlnd\.service' "$T/verify" >"$T/ours" || true
if [ $rc -ne 0 ] || [ -s "$T/ours" ]; then
    fail "systemd-analyze verify (exit $rc):"
    sed 's/^/  | /' "$T/verify" >&2
else
    echo "verify: ok"
fi
# verify exits 0 on a bad key: make sure the check above would see one.
sed 's/^Type=notify$/Type=notifyy/' "$T/hlnd.service" >"$T/broken.service"
systemd-analyze verify --man=no "$T/broken.service" 2>&1 | grep -q 'broken\.service' ||
    fail "systemd-analyze verify does not report a bad Type=: the verify check proves nothing"

echo "# systemd-analyze security --offline=yes"
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
    systemd-analyze security --offline=yes --no-pager "$T/hlnd.service" >"$T/security" 2>&1
    score=$(sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]*\).*/\1/p' "$T/security" | tail -1)
    if [ -z "$score" ]; then
        fail "no exposure score from systemd-analyze security"
        sed 's/^/  | /' "$T/security" >&2
    else
        grep 'Overall exposure' "$T/security"
        awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' ||
            fail "exposure $score is worse than $MAX_EXPOSURE"
    fi
else
    echo "SKIP: this systemd-analyze has no 'security --offline'"
fi

if [ $fails -ne 0 ]; then
    echo "t_systemd_unit: $fails failure(s)" >&2
    exit 1
fi
echo "t_systemd_unit: ok"
