#!/bin/sh
# deps.sh - install the Debian packages hln builds and tests with, if missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
# The browser and systemd-analyze are installed too when possible: without
# them the report's browser test and the unit check say SKIP, clearly.
set -eu
PKGS="gcc make pkg-config libzmq3-dev libsodium-dev liblmdb-dev libmsgpack-dev
libcmocka-dev libinih-dev libcsv-dev libjson-c-dev libsystemd-dev
clang libclang-rt-14-dev python3 procps lmdb-utils groff-base
iproute2 nftables iptables libnetfilter-queue-dev"
OPTIONAL="chromium systemd"
[ "${1:-}" = "--extra" ] && PKGS="$PKGS python3-scipy valgrind"
missing() {
    out=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            out="$out $p"
    done
    echo "$out"
}
# shellcheck disable=SC2086
need=$(missing $PKGS)
# shellcheck disable=SC2086
want=$(missing $OPTIONAL)
[ -z "$need" ] && [ -z "$want" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    if [ -n "$need" ]; then
        echo "hln: missing Debian packages. Run as root:" >&2
        echo "  apt-get update && apt-get install -y$need" >&2
        exit 1
    fi
    echo "hln: optional packages missing (their tests will SKIP):$want" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ -n "$need" ]; then
    echo "hln: installing Debian packages:$need" >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $need >&2
fi
if [ -n "$want" ]; then
    echo "hln: installing optional packages:$want" >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $want >&2 ||
        echo "hln: could not install$want; the tests that need them will SKIP" >&2
fi
