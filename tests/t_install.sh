#!/usr/bin/env bash
# t_install.sh - `make install` into a DESTDIR: every file where it belongs with sane modes, the
# installed programs run, the man pages render without groff warnings and cover every config key,
# option and command, the unit names the installed hlnd, and nothing lands outside DESTDIR.
set -u
BUILD=${BUILD:-build}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# A prefix that exists nowhere on this machine: if make install wrote outside
# DESTDIR, it would appear there.
STRAY=/nonexistent-hln-install-$$
[ ! -e "$STRAY" ] || { echo "t_install: $STRAY exists already" >&2; exit 1; }

# make install, quietly; the log is shown when it fails. Programs already
# built are installed as they are (-o: not remade), so a sanitizer build
# (make asan, BUILD=build-asan) is never recompiled with the plain flags.
keep=()
for b in hlnd hlnctl; do
    [ -x "$ROOT/$BUILD/$b" ] && keep+=(-o "$BUILD/$b")
done
install_to() { # DESTDIR, then extra make arguments
    local d=$1
    shift
    if ! make -s -C "$ROOT" --no-print-directory BUILD="$BUILD" "${keep[@]}" install DESTDIR="$d" "$@" \
        >"$T/make.log" 2>&1; then
        fail "make install DESTDIR=$d $*"
        sed 's/^/  | /' "$T/make.log" >&2
        return 1
    fi
}

echo "# make install DESTDIR=\$tmp PREFIX=/usr/local"
D="$T/dest"
mkdir -m 0755 "$D"
touch "$T/before"
install_to "$D" PREFIX=/usr/local || { echo "t_install: $fails failure(s)" >&2; exit 1; }
P="$D/usr/local"

# path below DESTDIR, expected mode
expect="
usr/local/sbin/hlnd 755
usr/local/bin/hlnctl 755
usr/local/share/man/man8/hlnd.8 644
usr/local/share/man/man8/hlnctl.8 644
usr/local/share/man/man5/hlnd.conf.5 644
usr/local/lib/systemd/system/hlnd.service 644
usr/local/lib/sysusers.d/hln.conf 644
usr/local/share/doc/hln/hlnd.conf.example 644
usr/local/share/doc/hln/README.md 644
usr/local/share/doc/hln/CLI.md 644
usr/local/share/doc/hln/OPERATIONS.md 644
usr/local/share/doc/hln/GOVERNANCE.md 644
"
echo "# every file, with its mode"
while read -r f m; do
    [ -n "$f" ] || continue
    if [ ! -f "$D/$f" ]; then
        fail "not installed: $f"
    elif [ "$(stat -c %a "$D/$f")" != "$m" ]; then
        fail "$f: mode $(stat -c %a "$D/$f"), expected $m"
    fi
done <<EOF
$expect
EOF
for f in "$ROOT"/docs/*.md; do
    [ -f "$P/share/doc/hln/$(basename "$f")" ] || fail "doc not installed: $(basename "$f")"
done
# Directories 0755, files 0644 or 0755, owned by whoever ran make (no -o),
# nothing setuid or writable by group or others, no symlinks or specials.
find "$D" -mindepth 1 -type d ! -perm 0755 -printf 'FAIL: directory %P is mode %m\n' |
    tee -a "$T/modes" >&2
find "$D" -type f ! -perm 0644 ! -perm 0755 -printf 'FAIL: file %P is mode %m\n' | tee -a "$T/modes" >&2
find "$D" ! -type d ! -type f -printf 'FAIL: %P is neither file nor directory\n' | tee -a "$T/modes" >&2
[ -s "$T/modes" ] && fails=$((fails + 1))
# Everything under PREFIX: nothing in DESTDIR/etc, /var, /lib ...
find "$D" -mindepth 1 -maxdepth 2 ! -path "$D/usr" ! -path "$D/usr/local" \
    -printf 'FAIL: installed outside PREFIX: /%P\n' | tee "$T/outside" >&2
[ -s "$T/outside" ] && fails=$((fails + 1))

echo "# the installed programs run"
if out=$("$P/sbin/hlnd" --help 2>&1) && printf '%s\n' "$out" | grep -q '^usage: hlnd'; then
    echo "hlnd --help: ok"
else
    fail "installed hlnd --help: $out"
fi
if out=$("$P/bin/hlnctl" --help 2>&1) && printf '%s\n' "$out" | grep -q '^usage: hlnctl'; then
    echo "hlnctl --help: ok"
else
    fail "installed hlnctl --help: $out"
fi
"$P/sbin/hlnd" --check-config -c "$P/share/doc/hln/hlnd.conf.example" >/dev/null 2>"$T/err" ||
    fail "the installed example configuration does not pass hlnd --check-config: $(cat "$T/err")"
# Every key of the example, uncommented, is a key hlnd takes.
sed 's/^;\([a-z_]* *=\)/\1/' "$P/share/doc/hln/hlnd.conf.example" >"$T/all.conf"
"$P/sbin/hlnd" --check-config -c "$T/all.conf" >/dev/null 2>"$T/err" ||
    fail "the example with every key uncommented is refused: $(cat "$T/err")"

echo "# the unit and the sysusers file"
U="$P/lib/systemd/system/hlnd.service"
grep -q '^ExecStart=/usr/local/sbin/hlnd -c /etc/hln/hlnd.conf' "$U" ||
    fail "installed unit: ExecStart is not /usr/local/sbin/hlnd"
grep -q '^User=hln$' "$U" || fail "installed unit: no User=hln"
grep -qE '^u[[:space:]]+hln[[:space:]]' "$P/lib/sysusers.d/hln.conf" ||
    fail "sysusers file: no 'u hln' line"
if command -v systemd-sysusers >/dev/null 2>&1; then
    mkdir -p "$T/sysroot/etc"
    if systemd-sysusers --root="$T/sysroot" - <"$P/lib/sysusers.d/hln.conf" >/dev/null 2>&1 &&
        grep -q '^hln:x:[0-9]*:[0-9]*:[^:]*:/var/lib/hln:' "$T/sysroot/etc/passwd" &&
        grep -q '^hln:' "$T/sysroot/etc/group"; then
        echo "systemd-sysusers: creates user and group hln, home /var/lib/hln"
    else
        fail "systemd-sysusers does not create the hln user from the installed file"
    fi
else
    echo "SKIP: no systemd-sysusers (Debian package systemd); sysusers file checked by grep only"
fi

echo "# man pages"
MAN8="$P/share/man/man8"
MAN5="$P/share/man/man5"
fails_before_man=$fails
if command -v groff >/dev/null 2>&1; then
    for page in "$MAN8/hlnd.8" "$MAN8/hlnctl.8" "$MAN5/hlnd.conf.5"; do
        if ! groff -man -ww -z "$page" >"$T/groff" 2>&1 || [ -s "$T/groff" ]; then
            fail "groff -man -ww: $(basename "$page"):"
            sed 's/^/  | /' "$T/groff" >&2
        fi
        # And the text renders, with its NAME section.
        if ! groff -man -Tascii "$page" 2>/dev/null | sed 's/.\x08//g' | grep -q '^NAME'; then
            fail "$(basename "$page") renders no NAME section"
        fi
    done
    if command -v man >/dev/null 2>&1; then
        for page in hlnd hlnctl hlnd.conf; do
            w=$(MANPATH="$P/share/man" man -w "$page" 2>/dev/null)
            case "$w" in
            "$P"/share/man/*) ;;
            *) fail "man -w $page does not find the installed page (got '$w')" ;;
            esac
            MANWIDTH=80 man -l "$w" >"$T/rendered" 2>"$T/man.err"
            { [ -s "$T/rendered" ] && [ ! -s "$T/man.err" ]; } ||
                fail "man -l $page: $(cat "$T/man.err")"
        done
    fi
    [ $fails -eq "$fails_before_man" ] && echo "groff -ww and man -l: no warnings"
else
    echo "SKIP: no groff (Debian package groff-base): man pages not rendered"
fi

echo "# the man pages cover the code"
plain() { sed 's/\\-/-/g; s/\\f[BIRP]//g' "$1"; }
plain "$MAN5/hlnd.conf.5" >"$T/conf5"
plain "$MAN8/hlnd.8" >"$T/hlnd8"
plain "$MAN8/hlnctl.8" >"$T/hlnctl8"
# Every key of node/config.c's table, in hlnd.conf(5) and in the example.
sed -n 's/^ *\(U32(\|{\)"\([a-z]*\)", "\([a-z_]*\)".*/\2 \3/p' "$ROOT/node/config.c" >"$T/keys"
[ "$(wc -l <"$T/keys")" -ge 20 ] || fail "could not read the keys of node/config.c"
while read -r section key; do
    grep -qxF ".SH \"[$section] SECTION\"" "$T/conf5" ||
        fail "hlnd.conf.5 has no [$section] section"
    grep -qx "\.B $key" "$T/conf5" || fail "hlnd.conf.5 does not document $section.$key"
    grep -qE "^;?$key = " "$P/share/doc/hln/hlnd.conf.example" ||
        fail "hlnd.conf.example lacks $section.$key"
done <"$T/keys"
# Every option in hlnd --help, in hlnd(8).
"$P/sbin/hlnd" --help | grep -o -- '--[a-z-]*' | sort -u | while read -r o; do
    grep -q -- "$o" "$T/hlnd8" || echo "hlnd.8 does not document $o"
done >"$T/miss"
# Every command in hlnctl --help, in hlnctl(8).
"$P/bin/hlnctl" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\( [a-z]*\)\?\)  .*/\1/p' |
    sed 's/ *$//' | while read -r c; do
    grep -qE "^\.BR? \"?$c( |\"|$)" "$T/hlnctl8" || echo "hlnctl.8 does not document '$c'"
done >>"$T/miss"
if [ -s "$T/miss" ]; then
    sed 's/^/FAIL: /' "$T/miss" >&2
    fails=$((fails + 1))
fi

echo "# another prefix: PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system"
D2="$T/dest2"
if install_to "$D2" PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system; then
    for f in usr/sbin/hlnd usr/bin/hlnctl usr/share/man/man8/hlnd.8 usr/lib/sysusers.d/hln.conf \
        lib/systemd/system/hlnd.service usr/share/doc/hln/hlnd.conf.example; do
        [ -f "$D2/$f" ] || fail "PREFIX=/usr: not installed: /$f"
    done
    grep -q '^ExecStart=/usr/sbin/hlnd -c /etc/hln/hlnd.conf' "$D2/lib/systemd/system/hlnd.service" ||
        fail "PREFIX=/usr: the unit's ExecStart is not /usr/sbin/hlnd"
    grep -v '^#' "$D2/lib/systemd/system/hlnd.service" | grep -q '/usr/local' &&
        fail "PREFIX=/usr: a directive of the unit still names /usr/local"
fi

echo "# nothing outside DESTDIR"
D3="$T/dest3"
install_to "$D3" PREFIX="$STRAY"
[ -x "$D3$STRAY/sbin/hlnd" ] || fail "PREFIX=$STRAY: hlnd not in DESTDIR"
[ ! -e "$STRAY" ] || fail "make install wrote $STRAY outside DESTDIR"
# The default-prefix run above left the host's /usr/local alone.
for f in sbin/hlnd bin/hlnctl share/man/man8/hlnd.8 share/man/man8/hlnctl.8 \
    share/man/man5/hlnd.conf.5 lib/systemd/system/hlnd.service lib/sysusers.d/hln.conf \
    share/doc/hln; do
    [ -e "/usr/local/$f" ] && [ "/usr/local/$f" -nt "$T/before" ] &&
        fail "/usr/local/$f changed during make install DESTDIR=..."
done
# The unit is rewritten on its way to DESTDIR, never in the tree.
[ "$ROOT/configs/hlnd.service" -nt "$T/before" ] && fail "make install modified configs/hlnd.service"

if [ $fails -ne 0 ]; then
    echo "t_install: $fails failure(s)" >&2
    exit 1
fi
echo "t_install: ok"
