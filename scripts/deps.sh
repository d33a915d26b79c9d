#!/bin/sh
# deps.sh - install the Debian packages hln builds and tests with, if missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu
PKGS="gcc make pkg-config libzmq3-dev libsodium-dev liblmdb-dev libmsgpack-dev
libcmocka-dev libinih-dev libcsv-dev libjson-c-dev libsystemd-dev
clang libclang-rt-14-dev python3 procps lmdb-utils groff-base"
[ "${1:-}" = "--extra" ] && PKGS="$PKGS python3-scipy valgrind systemd chromium"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    echo "hln: installing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
else
    echo "hln: missing Debian packages. Run as root:" >&2
    echo "  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
