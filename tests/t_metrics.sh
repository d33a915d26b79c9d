#!/bin/bash
# t_metrics.sh - hlnctl metrics and hlnd's metrics file: strict Prometheus text format, offline subset, counters that move with sync and attacks.
. "$(dirname "$0")/lib_nodes.sh"

# A strict line-by-line check of the text exposition format (0.0.4), with
# hln's own rules on top: hln_ prefix, snake_case, counters end in _total,
# units in the names, HELP then TYPE before a family's samples, families
# contiguous, no duplicate series, a final newline.
cat >"$T/validate.py" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
errs = []
def bad(n, msg): errs.append(f"line {n}: {msg}")
if not text.endswith("\n"):
    errs.append("no final newline")
NAME = r"hln_[a-z0-9]+(?:_[a-z0-9]+)*"
LABEL = r'[a-z_][a-z0-9_]*="(?:[^"\\\n]|\\["\\n])*"'
SAMPLE = re.compile(rf"^({NAME})(\{{{LABEL}(?:,{LABEL})*\}})? (-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|NaN|\+Inf|-Inf)$")
helps, types, done, series = {}, {}, set(), set()
cur = None
for n, line in enumerate(text.split("\n")[:-1], 1):
    if line.startswith("# HELP "):
        m = re.match(rf"^# HELP ({NAME}) (\S.*)$", line)
        if not m: bad(n, f"bad HELP: {line!r}"); continue
        name = m.group(1)
        if name in helps: bad(n, f"second HELP for {name}")
        if name in done: bad(n, f"{name} is not contiguous")
        helps[name] = n
        if cur and cur != name: done.add(cur)
        cur = name
    elif line.startswith("# TYPE "):
        m = re.match(rf"^# TYPE ({NAME}) (counter|gauge|histogram|summary|untyped)$", line)
        if not m: bad(n, f"bad TYPE: {line!r}"); continue
        name, typ = m.groups()
        if name in types: bad(n, f"second TYPE for {name}")
        if name != cur: bad(n, f"TYPE {name} not right after its HELP")
        types[name] = typ
        if typ == "counter" and not name.endswith("_total"): bad(n, f"counter {name} does not end in _total")
        if typ == "gauge" and name.endswith("_total"): bad(n, f"gauge {name} ends in _total")
    elif line.startswith("#") or line == "":
        bad(n, f"unexpected line {line!r}")
    else:
        m = SAMPLE.match(line)
        if not m: bad(n, f"bad sample: {line!r}"); continue
        name, labels, value = m.groups()
        if name != cur or name not in types: bad(n, f"sample {name} outside its family (HELP/TYPE first)")
        if (name, labels) in series: bad(n, f"duplicate series {name}{labels or ''}")
        series.add((name, labels))
        if types.get(name) == "counter" and float(value) < 0: bad(n, f"negative counter {name}")
        if "bytes" in name and not re.search(r"_bytes(_total)?$", name): bad(n, f"unit not last in {name}")
        if "seconds" in name and not re.search(r"_seconds(_total)?$", name): bad(n, f"unit not last in {name}")
for name in helps:
    if name not in types: errs.append(f"{name} has HELP but no TYPE")
    if not any(s[0] == name for s in series): errs.append(f"{name} has no sample")
for need in sys.argv[2:]:
    if not any(s[0] == need for s in series): errs.append(f"missing metric {need}")
for e in errs: print(e)
sys.exit(1 if errs else 0)
EOF

# The validator itself refuses what it should.
printf '# HELP hln_x_total A counter.\n# TYPE hln_x_total counter\nhln_x_total 1\n' >"$T/good.txt"
python3 "$T/validate.py" "$T/good.txt" >/dev/null || fail "the validator refuses good text"
for broken in 'hln_x_total 1\n' \
    '# HELP hln_x A counter.\n# TYPE hln_x counter\nhln_x 1\n' \
    '# HELP hln_x_total A.\n# TYPE hln_x_total counter\nhln_x_total{reason=bad} 1\n' \
    '# HELP hln_x_total A.\n# TYPE hln_x_total counter\nhln_x_total 1\nhln_x_total 2\n' \
    '# HELP hlnX A.\n# TYPE hlnX gauge\nhlnX 1\n' \
    '# HELP hln_x A.\n# TYPE hln_x gauge\nhln_x 1'; do
    printf "$broken" >"$T/broken.txt"
    python3 "$T/validate.py" "$T/broken.txt" >/dev/null && fail "the validator accepts: $broken"
done

OFFLINE="hln_up hln_store_records hln_store_feeds hln_catch_up_pending"
ONLINE="$OFFLINE hln_uptime_seconds hln_peers hln_peers_up hln_records_behind hln_records_received_total
 hln_refusals_total hln_forks_detected_total hln_sync_received_bytes_total hln_sync_sent_bytes_total"

# validate FILE WHAT METRIC...: the format check, failing the test with its findings.
validate() {
    local f=$1 what=$2
    shift 2
    python3 "$T/validate.py" "$f" "$@" >"$T/validate.out" || fail "$what is not valid exposition text: $(head -5 "$T/validate.out")"
}

# get FILE METRIC: the value of one series (labels included in METRIC).
get() { awk -v m="$2" '$1 == m { print $2 }' "$1"; }

scrape() { "$HLNCTL" -d "$T/n$1" metrics >"$2" || fail "hlnctl metrics on n$1 failed"; }

# n0 gets its metrics file from the configuration, n1 from --metrics-file.
nodes_init 3 # n2 is a hostile peer of n0
link 1 0
"$HLNCTL" -d "$T/n0" peer add "${ID[2]}" --name hostile >/dev/null || fail "peer add"
sed -i "s|^\[node\]$|[node]\nmetrics_file = $T/n0.prom\nmetrics_interval_ms = 1000|" "$T/n0.conf"
"$HLND" --check-config -c "$T/n0.conf" >/dev/null || fail "metrics_file in the configuration is refused"
printf '[node]\nmetrics_file = relative.prom\n' >"$T/bad.conf"
rc=0; "$HLND" --check-config -c "$T/bad.conf" >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "a relative metrics_file was accepted"
sed -i "s|^\[node\]$|[node]\nmetrics_interval_ms = 1000|" "$T/n1.conf"

# hlnd down: the store's subset, hln_up 0, exit 0.
"$HOSTILE" publish "$T/n0" 7 || fail "publish"
scrape 0 "$T/off.txt"
validate "$T/off.txt" "offline metrics" $OFFLINE
[ "$(get "$T/off.txt" hln_up)" = 0 ] && [ "$(get "$T/off.txt" hln_store_records)" = 7 ] &&
    [ "$(get "$T/off.txt" hln_store_feeds)" = 1 ] || fail "offline metrics are wrong: $(cat "$T/off.txt")"
! grep -q '^hln_peers_up' "$T/off.txt" || fail "offline metrics claim to know peers"
rc=0; "$HLNCTL" -d "$T/n0" metrics --bogus >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "metrics --bogus: exit $rc, want 2"
ok "offline: hln_up 0 with the store's records and feeds; the format validates"

start_node 0
# start_node with one more flag: --metrics-file.
"$HLND" -d "$T/n1" --listen "tcp://127.0.0.1:${PORT[1]}" -c "$T/n1.conf" --metrics-file "$T/n1.prom" 2>>"$T/n1.log" &
PID[1]=$!
for ((k = 0; k < 100; k++)); do
    [ -S "$T/n1/control.sock" ] && "$HOSTILE" status "$T/n1" >/dev/null 2>&1 && break
    kill -0 "${PID[1]}" 2>/dev/null || fail "hlnd n1 exited at start"
    sleep 0.05
done
wait_records 7 20 1
scrape 1 "$T/a1.txt"
scrape 0 "$T/a0.txt"
validate "$T/a1.txt" "n1's metrics" $ONLINE
validate "$T/a0.txt" "n0's metrics" $ONLINE
[ "$(get "$T/a1.txt" hln_up)" = 1 ] && [ "$(get "$T/a1.txt" hln_peers_up)" = 1 ] ||
    fail "n1 is not up with one peer: $(grep -E '^hln_(up|peers)' "$T/a1.txt")"
[ "$(get "$T/a1.txt" hln_records_received_total)" -ge 7 ] || fail "n1 received $(get "$T/a1.txt" hln_records_received_total) records, want 7"
[ "$(get "$T/a0.txt" hln_sync_sent_bytes_total)" -gt 0 ] || fail "n0 sent no bytes"
grep -q '^hln_refusals_total{reason="bad-signature"} 0$' "$T/a1.txt" || fail "no bad-signature series at 0"
ok "online: both daemons' metrics validate; n1 received 7 records over its one peer"

# Counters move with sync.
"$HOSTILE" publish "$T/n0" 25 || fail "publish"
wait_records 32 20 1
sleep 0.3
scrape 1 "$T/b1.txt"
validate "$T/b1.txt" "n1's metrics" $ONLINE
r_a=$(get "$T/a1.txt" hln_records_received_total); r_b=$(get "$T/b1.txt" hln_records_received_total)
by_a=$(get "$T/a1.txt" hln_sync_received_bytes_total); by_b=$(get "$T/b1.txt" hln_sync_received_bytes_total)
[ $((r_b - r_a)) -ge 25 ] || fail "hln_records_received_total went from $r_a to $r_b, want +25"
[ "$by_b" -gt "$by_a" ] || fail "hln_sync_received_bytes_total did not move ($by_a -> $by_b)"
[ "$(get "$T/b1.txt" hln_store_records)" = 32 ] || fail "hln_store_records is not 32"
[ "$(get "$T/b1.txt" hln_records_behind)" = 0 ] || fail "n1 is still behind"
ok "after sync: received +$((r_b - r_a)) records, +$((by_b - by_a)) bytes, 32 held, 0 behind"

# The metrics files: written by hlnd, valid, refreshed, atomic, readable by node_exporter.
for i in 0 1; do
    f="$T/n$i.prom"
    deadline=$(($(now_ms) + 5000))
    until [ -f "$f" ] && [ "$(get "$f" hln_store_records)" = 32 ]; do
        [ "$(now_ms)" -gt "$deadline" ] && fail "$f does not show 32 records: $(grep records "$f" 2>&1)"
        sleep 0.1
    done
    validate "$f" "$f" $ONLINE
    [ "$(stat -c %a "$f")" = 644 ] || fail "$f has mode $(stat -c %a "$f"), want 644"
done
ls "$T"/*.tmp >/dev/null 2>&1 && fail "temporary metrics files were left behind"
ok "n0 (metrics_file) and n1 (--metrics-file) write valid files, mode 0644, refreshed"

# Refusals by reason and forks: a hostile peer attacks n0.
"$HOSTILE" attack "$T/n2" "tcp://127.0.0.1:${PORT[0]}" "${ID[0]}" >/dev/null || fail "attack did not run"
deadline=$(($(now_ms) + 10000))
while :; do
    scrape 0 "$T/c0.txt"
    sig=$(get "$T/c0.txt" 'hln_refusals_total{reason="bad-signature"}')
    fk=$(get "$T/c0.txt" hln_forks_detected_total)
    [ "${sig:-0}" -ge 1 ] && [ "${fk:-0}" -ge 1 ] && break
    [ "$(now_ms)" -gt "$deadline" ] && fail "after the attack: bad-signature $sig, forks $fk"
    sleep 0.1
done
validate "$T/c0.txt" "n0's metrics after the attack" $ONLINE
alive 0 1
ok "after an attack: refusals{reason=\"bad-signature\"} $sig, forks $fk; still valid"

# A clean stop leaves hln_up 0 in the file, so a stopped node does not look alive.
stop_node 1
[ "$(get "$T/n1.prom" hln_up)" = 0 ] || fail "n1's file still says hln_up $(get "$T/n1.prom" hln_up) after SIGTERM"
validate "$T/n1.prom" "n1's last file" $OFFLINE
scrape 1 "$T/d1.txt"
# (n1 holds a record or two more than 32 now: the fork proof's records.)
[ "$(get "$T/d1.txt" hln_up)" = 0 ] && [ "$(get "$T/d1.txt" hln_store_records)" = "$(records 1)" ] ||
    fail "offline scrape of n1: $(grep -E '^hln_(up|store_records)' "$T/d1.txt")"
stop_node 0
ok "after SIGTERM the file says hln_up 0; hlnctl metrics falls back on the store"
