#!/usr/bin/env bash
# t_service_install.sh - the service install of docs/RUNNING.md §4 (and the README), followed line by line, as far as the machine allows.
#
# With systemd as PID 1 and root, a real install would be possible; this
# script never changes the machine's own /etc, /usr or users (other work
# shares it): it installs into a scratch root and proves each step there,
# printing PROVEN or SIMULATED for each, never skipping one silently.
set -u
BUILD=${BUILD:-build}
SRC="$(cd "$(dirname "$0")/.." && pwd)"
T=$(mktemp -d /tmp/hln-svc-XXXXXX)
R=$T/root
PID=
cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    [ -n "${NPID:-}" ] && kill "$NPID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
proven() { echo "PROVEN:    $1"; }
simulated() { echo "SIMULATED: $1 -- $2"; }

# The block, from RUNNING.md; the README must show the same commands.
python3 - "$SRC" >"$T/steps" <<'PY' || fail "cannot read the install block"
import re, sys
src = sys.argv[1]
def block(path, anchor):
    text = open(f"{src}/{path}").read()
    text = text[text.index(anchor):]
    return re.search(r"```sh\n(.*?)```", text, re.S).group(1)
run = block("docs/RUNNING.md", "### Installing as a service")
readme = block("README.md", "Installed as a service")
strip = lambda b: [l.split("#")[0].strip() for l in b.strip().split("\n")]
if strip(run) != strip(readme):
    sys.exit("README.md and RUNNING.md §4 show different install steps")
for l in strip(run):
    print(l)
PY
[ "$(wc -l <"$T/steps")" -ge 8 ] || fail "the install block is too short"

keep=()
for b in hlnd hlnctl; do [ -x "$SRC/$BUILD/$b" ] && keep+=(-o "$BUILD/$b"); done
P=$R/usr/local
UNIT=$P/lib/systemd/system/hlnd.service
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
# Move a path of the document into the scratch root.
inroot() { sed -e "s|/usr/local|$P|g" -e "s|/etc/hln|$R/etc/hln|g" -e "s|/var/lib/hln|$R/var/lib/hln|g"; }
HAVE_HLN_USER=no
id hln >/dev/null 2>&1 && HAVE_HLN_USER=yes

while IFS= read -r line; do
    [ -n "$line" ] || continue
    echo "\$ $line"
    case "$line" in
    "make install")
        make -s -C "$SRC" --no-print-directory BUILD="$BUILD" "${keep[@]}" install DESTDIR="$R" \
            >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make install"; }
        [ -x "$P/sbin/hlnd" ] && [ -x "$P/bin/hlnctl" ] && [ -f "$UNIT" ] || fail "installed files"
        proven "make install (into DESTDIR=$R)" ;;
    "systemd-sysusers")
        mkdir -p "$R/etc" # a fresh root has /etc; the scratch one needs it for the lock
        systemd-sysusers --root="$R" >"$T/sysusers.log" 2>&1 || { cat "$T/sysusers.log"; fail "systemd-sysusers"; }
        grep -q '^hln:x:[0-9]*:[0-9]*:hln node daemon:/var/lib/hln:' "$R/etc/passwd" ||
            fail "systemd-sysusers made no user hln: $(cat "$R/etc/passwd" 2>/dev/null)"
        grep -q '^hln:' "$R/etc/group" || fail "no group hln"
        proven "systemd-sysusers creates user and group hln from the installed sysusers.d file (--root=$R)" ;;
    install\ -d\ -o\ hln*)
        # Ownership needs the user on this machine; the scratch root's user is not it.
        args=$(echo "$line" | inroot)
        if [ "$HAVE_HLN_USER" = yes ]; then
            eval "$args" || fail "$line"
            proven "$line"
        else
            eval "${args/-o hln -g hln /}" || fail "$line"
            [ "$(stat -c %a "$R/var/lib/hln")" = 700 ] || fail "mode of the data directory"
            simulated "$line" "no user hln on this machine: made with mode 0700, owned by $(id -un)"
        fi ;;
    install\ *)
        eval "$(echo "$line" | inroot)" || fail "$line"
        proven "$line (under $R)"
        if [[ $line == *hlnd.conf ]]; then
            # "Edit it": listen on loopback at a free port, for this test.
            sed -i "s|^listen = .*|listen = tcp://127.0.0.1:$PORT|" "$R/etc/hln/hlnd.conf"
        fi ;;
    runuser\ -u\ hln\ --\ hlnctl*init*)
        cmd=${line#runuser -u hln -- }
        eval "$P/bin/$(echo "$cmd" | inroot)" >"$T/id" 2>"$T/err" || fail "$line: $(cat "$T/err")"
        grep -qE '^[A-Z2-7]{7}(-[A-Z2-7]{7}){7}$' "$T/id" || fail "init printed no id"
        simulated "$line" "ran as $(id -un), not hln (no such user here); the node is made"
        proven "init makes the node the unit needs" ;;
    "systemctl daemon-reload")
        if [ -d /run/systemd/system ] && [ "$(id -u)" = 0 ]; then
            simulated "$line" "systemd runs here, but this test does not install into the machine's own root"
        else
            simulated "$line" "no systemd as PID 1 here"
        fi
        if systemd-analyze verify --root="$R" "$UNIT" >"$T/verify.log" 2>&1 ||
            ! grep -qv -e 'Failed to prepare filename' -e 'not executable' -e '^$' "$T/verify.log"; then
            proven "systemd-analyze verify accepts the installed unit"
        else
            simulated "systemd-analyze verify" "$(head -3 "$T/verify.log" | tr '\n' ' ')"
        fi ;;
    "systemctl enable --now hlnd")
        simulated "$line" "no systemd as PID 1: the unit's ExecStartPre= and ExecStart= are run by hand"
        pre=$(sed -n 's/^ExecStartPre=//p' "$UNIT" | inroot)
        start=$(sed -n 's/^ExecStart=//p' "$UNIT" | inroot)
        [ -n "$pre" ] && [ -n "$start" ] || fail "the unit has no ExecStartPre=/ExecStart="
        # Without the configuration, the pre-start check fails (the README's old order).
        mv "$R/etc/hln/hlnd.conf" "$T/conf.saved"
        eval "$pre" >/dev/null 2>&1 && fail "the pre-start check passed without /etc/hln/hlnd.conf"
        mv "$T/conf.saved" "$R/etc/hln/hlnd.conf"
        eval "$pre" >"$T/pre.log" 2>&1 || fail "ExecStartPre failed: $(cat "$T/pre.log")"
        proven "the unit's ExecStartPre (hlnd --check-config) passes after the steps above, and fails without the configuration"
        # sd_notify: a datagram socket that records what hlnd says.
        python3 - "$T/notify.sock" "$T/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode(errors="replace") + "\n")
        f.flush()
PY
        NPID=$!
        for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
        NOTIFY_SOCKET=$T/notify.sock HLN_DATA_DIR=$R/var/lib/hln bash -c "exec $start" 2>"$T/hlnd.log" &
        PID=$!
        for _ in $(seq 100); do grep -q 'READY=1' "$T/notify.log" 2>/dev/null && break; sleep 0.1; done
        grep -q 'READY=1' "$T/notify.log" || fail "hlnd never sent READY=1: $(tail -3 "$T/hlnd.log")"
        proven "the unit's ExecStart runs hlnd, which sends READY=1 (Type=notify) and listens" ;;
    runuser\ -u\ hln\ --\ hlnctl*status*)
        cmd=${line#runuser -u hln -- }
        eval "$P/bin/$(echo "$cmd" | inroot) --json" >"$T/status" 2>&1 || fail "$line: $(cat "$T/status")"
        grep -q '"daemon":true\|"pid":' "$T/status" || fail "status did not come from the running hlnd: $(cat "$T/status")"
        proven "hlnctl status answers from the running hlnd (as $(id -un), not hln)" ;;
    *) fail "the install block has a step this test does not know: $line" ;;
    esac
done <"$T/steps"

[ -n "$PID" ] || fail "hlnd was never started"
kill -TERM "$PID"
wait "$PID" || fail "hlnd exited non-zero on SIGTERM"
PID=
grep -q 'STOPPING=1' "$T/notify.log" || fail "no STOPPING=1"
proven "SIGTERM (systemctl stop) ends hlnd with exit 0 after STOPPING=1"
echo "ok: the service install of RUNNING.md §4 followed step by step (see PROVEN/SIMULATED above)"
