#!/bin/bash
# t_journeys.sh - the three journeys of docs/GOVERNANCE.md §12, run line by line from the document itself.
#
# Every ```sh block of §12 starts with "# on NODE"; its lines run, in the
# document's order, on that node, with only the ids (G-ID, CA-ID, ...),
# endpoints and file names replaced. `hlnd ...` starts the node's daemon
# (with the tests' fast gossip settings); a line commented "# until ..."
# is run again until its output says so. No step is added that the
# document does not show.
. "$(dirname "$0")/lib_nodes.sh"
DOC=${DOC:-docs/GOVERNANCE.md}

# The nodes of the journeys, their placeholder ids and endpoints.
declare -A NODE=([coordinator]=0 [Canada]=1 [Ontario]=2 [Alpha]=3 [Beta]=4)
declare -A PLACEHOLDER=([0]=G-ID [1]=CA-ID [2]=ON-ID [3]=ALPHA-ID [4]=BETA-ID)
declare -A ENDPOINT=([coordinator.example:7400]=0 [moh.example.ca:7400]=1 [ontario.example.ca:7400]=2)
for i in 0 1 2 3 4; do PORT[$i]=$(free_port); write_conf "$i"; done

# Data and catalogues the document names.
python3 - "$T" <<'PY' || fail "test files"
import sys, re
t = sys.argv[1]
ini = open("configs/indicators.ini").read()
# Canada's own catalogue: the mental-health section of the global one.
parts = re.split(r'(?m)^(?=\[)', ini)
open(f"{t}/mhpc.ini", "w").write("".join(p for p in parts if not p.startswith("[hosp.")))
h = "indicator,period,unit,stratum,numerator,denominator\n"
open(f"{t}/alpha-2026-q3.csv", "w").write(h + "mhpc.depression-screening,2026-Q3,,,412,530\n")
open(f"{t}/beta-2026-q3.csv", "w").write(h + "mhpc.depression-screening,2026-Q3,,,300,480\n")
open(f"{t}/alpha-hosp-2026.csv", "w").write(h + "hosp.ami-mortality-30d,2026,,,31,412\n")
PY
declare -A FILE=([mhpc.ini]=$T/mhpc.ini [indicators.ini]=configs/indicators.ini
    [alpha-2026-q3.csv]=$T/alpha-2026-q3.csv [beta-2026-q3.csv]=$T/beta-2026-q3.csv
    [alpha-hosp-2026.csv]=$T/alpha-hosp-2026.csv)

# The steps: "NODE<TAB>COMMAND<TAB>UNTIL" per line, in document order.
python3 - "$DOC" >"$T/steps" <<'PY' || fail "cannot read §12 of $DOC"
import sys, re
doc = open(sys.argv[1]).read()
sec = doc[doc.index("## 12."):doc.index("## 13.")]
n = 0
for block in re.findall(r"```sh\n(.*?)```", sec, re.S):
    lines = block.strip("\n").split("\n")
    m = re.match(r"# on (?:the )?(\w+)$", lines[0])
    if not m:
        sys.exit(f"a block of §12 does not say where it runs: {lines[0]}")
    for line in lines[1:]:
        cmd, _, comment = line.partition("#")
        until = comment.strip()[len("until "):] if comment.strip().startswith("until ") else ""
        print(f"{m.group(1)}\t{cmd.strip()}\t{until}")
        n += 1
if n < 20:
    sys.exit(f"only {n} steps in §12")
PY

# Replace the placeholders of one command line for node I; prints words, one per line.
words() {
    python3 - "$1" <<'PY'
import shlex, sys
for w in shlex.split(sys.argv[1]):
    print(w)
PY
}
subst() { # WORD
    local w=$1 k
    for k in "${!PLACEHOLDER[@]}"; do
        [ "$w" = "${PLACEHOLDER[$k]}" ] && { echo "${ID[$k]:?${PLACEHOLDER[$k]} used before its node was made}"; return; }
    done
    for k in "${!ENDPOINT[@]}"; do
        [ "$w" = "tcp://$k" ] && { echo "tcp://127.0.0.1:${PORT[${ENDPOINT[$k]}]}"; return; }
    done
    [ -n "${FILE[$w]:-}" ] && { echo "${FILE[$w]}"; return; }
    echo "$w"
}

# until_ok I UNTIL OUTPUT: does the output of the step say what "until" asks?
until_ok() {
    local i=$1 until=$2 out=$3 short
    case "$until" in
    "this node is a member") short=${ID[$i]:0:7}
        grep -E "^$short .* member " <<<"$out" >/dev/null ;;
    "Canada is a member") short=${ID[1]:0:7}
        grep -E "^$short .* member " <<<"$out" >/dev/null ;;
    "it lists "*) grep -qF "${until#it lists }" <<<"$out" ;;
    "it shows "*) grep -qw "${until#it shows }" <<<"$out" ;;
    "it counts 1 unit") grep -qE '(^| )1 units? ' <<<"$out" ;;
    *) fail "§12: cannot tell when '$until' holds" ;;
    esac
}

STEPS=0
while IFS=$'\t' read -r where cmd until; do
    i=${NODE[$where]:-}
    [ -n "$i" ] || fail "§12 runs a step on an unknown node '$where'"
    mapfile -t argv < <(words "$cmd")
    for ((k = 0; k < ${#argv[@]}; k++)); do argv[$k]=$(subst "${argv[$k]}"); done
    STEPS=$((STEPS + 1))
    case "${argv[0]}" in
    hlnd) start_node "$i" ;;
    hlnctl)
        if [ -z "$until" ]; then
            out=$("$HLNCTL" -d "$T/n$i" "${argv[@]:1}" 2>"$T/err") ||
                fail "on $where: $cmd: $(cat "$T/err")"
            [ "${argv[1]}" = init ] && ID[$i]=$out
        else
            deadline=$(($(now_ms) + 60000))
            t1=$(now_ms)
            until out=$("$HLNCTL" -d "$T/n$i" "${argv[@]:1}" 2>"$T/err") && until_ok "$i" "$until" "$out"; do
                [ "$(now_ms)" -gt "$deadline" ] && fail "on $where: $cmd: never $until: $out $(cat "$T/err")"
                sleep 0.2
            done
        fi
        echo "  $where\$ $cmd${until:+   ($(( ($(now_ms) - t1) / 1000 ))s until $until)}" ;;
    *) fail "§12 shows a step that is neither hlnctl nor hlnd: $cmd" ;;
    esac
done <"$T/steps"
ok "$STEPS steps of GOVERNANCE.md §12 ran as written"

# What the journeys were for, checked from outside the document.
held() { # NODE AUTHOR SCOPE TYPE: records of AUTHOR in SCOPE that NODE holds
    "$HLNCTL" -d "$T/n$1" --json log 2>/dev/null | python3 -c "
import json, sys
print(sum(1 for r in json.load(sys.stdin)
          if r['author'] == '$2' and r['scope'] == '$3' and r['type'] == '$4'))"
}
[ "$(held 3 "${ID[3]}" CA observation)" -ge 2 ] || fail "Alpha's two publications"
[ "$(held 4 "${ID[4]}" CA observation)" -ge 1 ] || fail "Beta's publication"
[ "$(held 3 "${ID[0]}" global indicator)" -eq 0 ] || fail "Alpha holds the coordinator's feed"
# Canada's own three definitions and the three it adopted (hosp.*).
[ "$(held 3 "${ID[1]}" CA indicator)" -eq 6 ] || fail "Alpha lacks Canada's adopted catalogue"
[ "$(held 0 "${ID[1]}" global observation)" -ge 1 ] || fail "the coordinator lacks Canada's roll-up"
"$HLNCTL" -d "$T/n4" --json publish --dry-run "$T/beta-2026-q3.csv" | grep -q '"min_cell":20' ||
    fail "Beta's data is not held to Ontario's 20"
ok "Alpha anchors only Canada and publishes from the global catalogue Canada adopted"
for i in 0 2 3 4; do alive "$i"; done
alive 1
