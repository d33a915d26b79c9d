#!/bin/bash
# soak.sh - `make soak` (not part of `make check`): a dozen hlnd publishing and restarting for
# SOAK_SECONDS (default 600); RSS, descriptors and store size are sampled, printed and checked flat.
. "$(dirname "$0")/lib_nodes.sh"
N=${SOAK_NODES:-12}
SECS=${SOAK_SECONDS:-600}
LOG_LEVEL=notice
nodes_init "$N"
# A ring with chords: every node has 4 links.
for ((i = 0; i < N; i++)); do
    link "$i" $(((i + 1) % N))
    link "$i" $(((i + 5) % N))
done
for ((i = 0; i < N; i++)); do start_node "$i"; done
ok "$N nodes started"

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
store_kb() { du -k "$T/n$1/store/data.mdb" | cut -f1; }

# sample: one line; sets S_RSS (max kB), S_FDS (max), S_KB (total store kB), S_REC (total records).
sample() {
    S_RSS=0 S_FDS=0 S_KB=0 S_REC=0
    local i r f
    for ((i = 0; i < N; i++)); do
        [ -n "${PID[$i]}" ] || continue
        r=$(rss_kb "${PID[$i]}")
        f=$(fds "${PID[$i]}")
        [ "$r" -gt "$S_RSS" ] && S_RSS=$r
        [ "$f" -gt "$S_FDS" ] && S_FDS=$f
        S_KB=$((S_KB + $(store_kb "$i")))
        S_REC=$((S_REC + $(records "$i")))
    done
    printf 'soak t=%4ds published=%6d held=%7d max_rss=%6d kB max_fds=%3d store=%7d kB (%s B/record) restarts=%d\n' \
        $(($(date +%s) - T0)) "$PUBLISHED" "$S_REC" "$S_RSS" "$S_FDS" "$S_KB" \
        "$((S_REC > 0 ? S_KB * 1024 / S_REC : 0))" "$RESTARTS"
}

PUBLISHED=0 RESTARTS=0
end=$(($(date +%s) + SECS))
warm_at=$(($(date +%s) + SECS / 4))
next_sample=0 warm_done=0
while [ "$(date +%s)" -lt "$end" ]; do
    for k in 1 2 3; do
        i=$((RANDOM % N))
        "$HOSTILE" publish "$T/n$i" 20 CA || fail "publish on n$i"
        PUBLISHED=$((PUBLISHED + 20))
    done
    i=$((RANDOM % N))
    stop_node "$i"
    start_node "$i"
    RESTARTS=$((RESTARTS + 1))
    for ((j = 0; j < N; j++)); do alive "$j"; done
    if [ "$(date +%s)" -ge "$next_sample" ]; then
        sample
        next_sample=$(($(date +%s) + 30))
    fi
    if [ "$warm_done" -eq 0 ] && [ "$(date +%s)" -ge "$warm_at" ]; then
        sample
        W_RSS=$S_RSS W_FDS=$S_FDS W_BPR=$((S_KB * 1024 / (S_REC > 0 ? S_REC : 1)))
        warm_done=1
    fi
    sleep 2
done
[ "$warm_done" -eq 1 ] || fail "the run was too short to warm up"
wait_records "$PUBLISHED" 120 $(seq 0 $((N - 1)))
sample
BPR=$((S_KB * 1024 / (S_REC > 0 ? S_REC : 1)))
echo "soak: after warm-up max_rss=${W_RSS} kB max_fds=${W_FDS} ${W_BPR} B/record; at the end max_rss=${S_RSS} kB max_fds=${S_FDS} ${BPR} B/record"
[ "$S_RSS" -le $((W_RSS * 3 / 2 + 20000)) ] || fail "RSS grew: ${W_RSS} -> ${S_RSS} kB"
[ "$S_FDS" -le $((W_FDS + 16)) ] || fail "descriptors grew: ${W_FDS} -> ${S_FDS}"
[ "$BPR" -le $((W_BPR * 3 / 2 + 512)) ] || fail "store bytes per record grew: ${W_BPR} -> ${BPR}"
ok "RSS, descriptors and store size per record stayed flat over $((RESTARTS)) restarts and $PUBLISHED records"
for ((i = 0; i < N; i++)); do stop_node "$i"; done
for ((i = 0; i < N; i++)); do "$HLNCTL" -d "$T/n$i" verify >/dev/null || fail "n$i does not verify"; done
ok "every store verifies; every node holds all $PUBLISHED records"
