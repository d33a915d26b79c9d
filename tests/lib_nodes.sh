# lib_nodes.sh - shared helpers for the hlnd multi-process tests (sourced by tests/t_daemon*.sh).
#
# Every node lives in $T/nI (made by hlnctl init), listens on 127.0.0.1 at a
# free port and logs to $T/nI.log. Everything started here is killed and
# removed on exit, whatever happens. A daemon that dies on its own, or exits
# non-zero on SIGTERM, fails the test.

set -u
BUILD=${BUILD:-build}
HLND=$BUILD/hlnd
HLNCTL=$BUILD/hlnctl
HOSTILE=$BUILD/tests/hostile
# The helper is not part of `all`: build it here when missing (make asan
# builds only the programs and the cmocka tests into build-asan).
if [ ! -x "$HOSTILE" ] && [ -f "$BUILD/libhln.a" ]; then
    case "$BUILD" in
    *asan*) make -s BUILD="$BUILD" OPT="-O1 -g -fno-omit-frame-pointer" \
        EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" "$HOSTILE" >/dev/null ;;
    *) make -s BUILD="$BUILD" "$HOSTILE" >/dev/null ;;
    esac
fi
for b in "$HLND" "$HLNCTL" "$HOSTILE"; do
    [ -x "$b" ] || { echo "missing $b (make $b)"; exit 1; }
done

T=$(mktemp -d /tmp/hln-test-XXXXXX)
declare -a ID PORT PID
FAILED=0
T0=$(date +%s)

nodes_cleanup() {
    for p in "${PID[@]:-}"; do
        [ -n "$p" ] && kill -9 "$p" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "$FAILED" -ne 0 ] || [ -n "${KEEP:-}" ]; then
        for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f (tail)"; tail -15 "$f"; }; done
    fi
    rm -rf "$T"
}
trap nodes_cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*"
    FAILED=1
    exit 1
}
ok() { echo "ok: $* ($(($(date +%s) - T0))s)"; }

# A port nobody listens on now, on 127.0.0.1 only.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Gossip fast: the tests wait on convergence, so ticks and retries are short.
write_conf() {
    cat >"$T/n$1.conf" <<EOF
; test configuration for node $1
[node]
log_level = ${LOG_LEVEL:-info}
[gossip]
tick_ms = 50
anti_entropy_ms = 300
fanout = 2
[net]
heartbeat_ivl_ms = 500
heartbeat_timeout_ms = 2000
heartbeat_ttl_ms = 3000
reconnect_ivl_ms = 50
reconnect_ivl_max_ms = 500
bad_limit = ${BAD_LIMIT:-20}
EOF
}

# trust I J: node I trusts node J outright as an organization in CA, so
# that J's feeds in scope CA are wanted by I and may be sent to J.
trust() {
    "$HLNCTL" -d "$T/n$1" trust add "${ID[$2]}" --level organization --jurisdiction CA >/dev/null
}

# nodes_init N: N nodes, each trusting every other (so each wants all feeds),
# as an anchor of level national in CA: an anchor of unknown level has no
# jurisdiction and would be sent only global feeds (docs/GOVERNANCE.md §7).
nodes_init() {
    local n=$1 i j
    for ((i = 0; i < n; i++)); do
        ID[$i]=$("$HLNCTL" -d "$T/n$i" init --name "node$i" --jurisdiction CA) || fail "init n$i"
        PORT[$i]=$(free_port)
        write_conf "$i"
    done
    for ((i = 0; i < n; i++)); do
        for ((j = 0; j < n; j++)); do
            [ "$i" -ne "$j" ] && { "$HOSTILE" trust "$T/n$i" "${ID[$j]}" national CA || fail "trust"; }
        done
    done
    return 0
}

# link A B: A dials B; B admits A.
link() {
    "$HLNCTL" -d "$T/n$1" peer add "${ID[$2]}" "tcp://127.0.0.1:${PORT[$2]}" --name "node$2" >/dev/null || fail "peer add $1 $2"
    "$HLNCTL" -d "$T/n$2" peer add "${ID[$1]}" --name "node$1" >/dev/null || fail "peer add $2 $1"
}

start_node() {
    local i=$1
    "$HLND" -d "$T/n$i" --listen "tcp://127.0.0.1:${PORT[$i]}" -c "$T/n$i.conf" 2>>"$T/n$i.log" &
    PID[$i]=$!
    local k
    for ((k = 0; k < 100; k++)); do
        [ -S "$T/n$i/control.sock" ] && "$HOSTILE" status "$T/n$i" >/dev/null 2>&1 && return 0
        kill -0 "${PID[$i]}" 2>/dev/null || fail "hlnd n$i exited at start"
        sleep 0.05
    done
    fail "hlnd n$i did not come up"
}

# stop_node I [SIGNAL]: SIGTERM must give exit 0.
stop_node() {
    local i=$1 sig=${2:-TERM} rc=0
    kill -"$sig" "${PID[$i]}" 2>/dev/null || fail "n$i was not running"
    wait "${PID[$i]}" || rc=$?
    PID[$i]=""
    if [ "$sig" = TERM ] && [ "$rc" -ne 0 ]; then fail "n$i exited $rc on SIGTERM"; fi
    return 0
}

alive() {
    local i
    for i in "$@"; do
        [ -n "${PID[$i]}" ] && kill -0 "${PID[$i]}" 2>/dev/null || fail "hlnd n$i died"
    done
}

records() { "$HOSTILE" count "$T/n$1" | cut -d' ' -f2; }

# wait_records COUNT SECONDS NODE...: every node holds at least COUNT records.
wait_records() {
    local want=$1 secs=$2 i deadline
    shift 2
    deadline=$(($(date +%s%N) / 1000000 + secs * 1000))
    for i in "$@"; do
        while :; do
            local have
            have=$(records "$i")
            [ "${have:-0}" -ge "$want" ] && break
            [ $(($(date +%s%N) / 1000000)) -gt "$deadline" ] && fail "n$i holds $have of $want records after ${secs}s"
            sleep 0.05
        done
    done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# status_field I KEY: one top-level field of the running node's status.
status_field() {
    "$HOSTILE" status "$T/n$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}
