#!/usr/bin/env bash
# t_hlnctl.sh - hlnctl end to end on real files: init, id, key file mode, define, publish, suppression, log, verify, usage.
set -u
BUILD=${BUILD:-build}
HLNCTL="$(cd "$(dirname "$0")/.." && pwd)/$BUILD/hlnctl"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
[ -x "$HLNCTL" ] || { echo "t_hlnctl: $HLNCTL not built" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D="$T/node"
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# run EXPECTED_EXIT args...: runs hlnctl, keeps stdout/stderr in $T/out, $T/err.
# Any exit from a signal (>= 128: a crash, a sanitizer abort) fails at once.
run() {
    local want=$1
    shift
    "$HLNCTL" "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ $rc -ge 128 ]; then
        echo "CRASH ($rc): hlnctl $*" >&2
        cat "$T/err" >&2
        exit 1
    fi
    if [ "$rc" != "$want" ]; then
        fail "hlnctl $* exited $rc, want $want"
        sed 's/^/  | /' "$T/err" >&2
    fi
}
out_has() { grep -q -- "$1" "$T/out" || fail "stdout lacks '$1'"; }
err_has() { grep -q -- "$1" "$T/err" || fail "stderr lacks '$1'"; }
json() { python3 -c "import json,sys; d=json.load(open('$T/out')); print($1)"; }

echo "# usage errors exit 2, help exits 0"
run 0 --help
out_has "usage: hlnctl"
run 2 no-such-command
err_has "hlnctl: unknown command 'no-such-command'"
run 2 --no-such-option
run 2 indicator
run 2 indicator frobnicate
run 0 indicator --help
out_has "define"
run 2 -d "$D" init
err_has "hlnctl: --name is required"
run 2 -d "$D" init --name X --level emperor
run 2 -d "$D" init --name X --jurisdiction Canada
run 2 -d "$D" publish
run 2 -d "$D" id --bogus
for cmd in "init" "id" "status" "indicator define" "indicator list" "publish" "log" "verify"; do
    # shellcheck disable=SC2086
    run 0 $cmd --help
    out_has "usage: hlnctl"
done
# Every noun and verb of the command table answers --help (and -h, and
# `hlnctl help NOUN VERB`) with its usage on stdout and exit 0, touching nothing.
for cmd in "status" "init" "id" "indicator" "indicator define" "indicator list" "publish" \
    "log" "verify" "trust" "trust add" "trust remove" "trust list" "member" "member issue" \
    "member revoke" "member list" "policy" "policy set" "policy show" "peer" "peer add" \
    "peer remove" "peer list" "backup" "restore" "metrics" "bench" "bench verify" "rollup" \
    "report" "help"; do
    for h in --help -h; do
        # shellcheck disable=SC2086
        run 0 -d "$D" $cmd $h
        [ -s "$T/out" ] || fail "hlnctl $cmd $h printed nothing on stdout"
        grep -qi "usage" "$T/out" || fail "hlnctl $cmd $h: no usage on stdout"
    done
    # shellcheck disable=SC2086
    run 0 -d "$D" help $cmd
    [ -s "$T/out" ] || fail "hlnctl help $cmd printed nothing on stdout"
done
run 0 help bench
out_has "bench verify"
run 0 help bench verify
out_has "usage: hlnctl \[-d DIR\] bench verify"
[ -e "$D" ] && fail "usage errors created $D"

echo "# a missing node is an operation that failed"
run 1 -d "$D" id
err_has "no identity here"
run 1 -d "$D"

echo "# init"
run 0 -d "$D" init --name "Ontario Health" --level subnational --jurisdiction CA-ON
ID=$(cat "$T/out")
[[ "$ID" =~ ^[A-Z2-7]{7}(-[A-Z2-7]{7}){7}$ ]] || fail "init printed '$ID', not a node id"
[ "$(stat -c %a "$D/identity.key")" = 600 ] || fail "key file mode $(stat -c %a "$D/identity.key")"
[ "$(stat -c %a "$D")" = 700 ] || fail "data dir mode $(stat -c %a "$D")"
[ -d "$D/store" ] || fail "no store directory"
run 1 -d "$D" init --name "Again"
err_has "identity exists already"
run 0 -d "$D" id
[ "$(cat "$T/out")" = "$ID" ] || fail "the identity changed after a refused init"

echo "# a key file from another node, or a store without its key, is refused"
run 0 -d "$T/other" init --name "Other"
mv "$D/identity.key" "$T/alpha.key"
cp -p "$T/other/identity.key" "$D/identity.key"
run 1 -d "$D" id
err_has "does not belong to this identity"
mv "$T/alpha.key" "$D/identity.key"
rm "$T/other/identity.key"
run 1 -d "$T/other" init --name "Adopter"
err_has "refusing to adopt"

echo "# id, env, json"
HLN_DATA_DIR="$D" run 0 id
[ "$(cat "$T/out")" = "$ID" ] || fail "HLN_DATA_DIR not used"
run 0 -d "$D" id --json
[ "$(json 'd["id"]')" = "$ID" ] || fail "id --json id"
[ "$(json 'd["name"]')" = "Ontario Health" ] || fail "id --json name"
[ "$(json 'd["level"]')" = "subnational" ] || fail "id --json level"
[ "$(json 'd["jurisdiction"]')" = "CA-ON" ] || fail "id --json jurisdiction"
[ "$(json 'len(d["curve_public_z85"])')" = 40 ] || fail "id --json curve key"
grep -qi secret "$T/out" && fail "id --json mentions a secret"
run 0 -d "$D" status --json
[ "$(json 'd["default_scope"]')" = "CA" ] || fail "default scope is not the country"
[ "$(json 'd["records"]')" = 0 ] || fail "a new store holds records"

echo "# a loosened key file is refused"
chmod 0640 "$D/identity.key"
run 1 -d "$D" id
err_has "mode 0600"
chmod 0604 "$D/identity.key"
run 1 -d "$D" log
chmod 0600 "$D/identity.key"
run 0 -d "$D" id

echo "# indicator define: an organization may not author definitions"
run 0 -d "$T/clinic" init --name "Clinic Alpha" --jurisdiction CA-ON
run 1 -d "$T/clinic" indicator define "$ROOT/configs/indicators.ini"
err_has "an organization may not author indicator records"
run 0 -d "$T/clinic" log
if grep -q "indicator" "$T/out"; then fail "the clinic's refused definitions were written"; fi

echo "# indicator define: a bad file defines nothing"
cat >"$T/bad.ini" <<'EOF'
[mhpc.ok]
title = Fine
version = 1
domain = process
kind = proportion
direction = higher

[mhpc.bad]
title = Bad
version = one
domain = process
kind = proportion
direction = sideways
colour = red
EOF
run 1 -d "$D" indicator define "$T/bad.ini"
err_has "bad.ini:10: version"
err_has "bad.ini:13: direction"
err_has "bad.ini:14: unknown key 'colour'"
err_has "nothing defined"
run 0 -d "$D" indicator list --json
[ "$(json 'len(d)')" = 0 ] || fail "a bad file defined something"
run 1 -d "$D" indicator define "$T/no-such-file.ini"
err_has "cannot read"

echo "# indicator define: the sample catalogue"
run 0 -d "$D" indicator define "$ROOT/configs/indicators.ini"
out_has "defined hosp.falls-per-1000-bed-days v1"
run 0 -d "$D" indicator list
out_has "mhpc.depression-screening"
run 0 -d "$D" indicator list --json
[ "$(json 'len(d)')" = 6 ] || fail "indicator list --json: $(json 'len(d)') definitions"
[ "$(json '[x for x in d if x["code"]=="hosp.falls-per-1000-bed-days"][0]["multiplier"]')" = 1000 ] ||
    fail "the rate's multiplier"
run 1 -d "$D" indicator define "$ROOT/configs/indicators.ini"
err_has "raise it"

echo "# publish: a CSV with several bad rows publishes nothing"
cat >"$T/bad.csv" <<'EOF'
indicator,period,unit,stratum,numerator,denominator
mhpc.depression-screening,2026-Q3,,,412,530
mhpc.depression-screening,2026-Q3,,sex=female,300,200
mhpc.no-such-indicator,2026-Q3,,,1,20
mhpc.depression-screening,2026-Q5,,,1,20
hosp.ami-mortality-30d,2026,,,14,212
hosp.ami-mortality-30d,2026,,age=18-44,1,20
hosp.ami-mortality-30d,2026,,,-3,212
mhpc.depression-screening,2026-Q3,,,412,530
EOF
run 1 -d "$D" publish "$T/bad.csv"
for l in 3 4 5 7 8 9; do err_has "bad.csv:$l: "; done
grep -q "bad.csv:2:" "$T/err" && fail "a good line was reported"
grep -q "bad.csv:6:" "$T/err" && fail "a good line was reported"
err_has "6 bad rows; nothing published"
run 0 -d "$D" status --json
[ "$(json 'd["records"]')" = 6 ] || fail "a bad CSV wrote records"

echo "# publish --dry-run shows suppression and writes nothing"
run 0 -d "$D" publish --dry-run "$ROOT/configs/sample.csv"
out_has "small cell: numerator 7"
out_has "complementary"
out_has "nothing written"
run 0 -d "$D" publish --dry-run --json "$ROOT/configs/sample.csv"
[ "$(json 'd["dry_run"]')" = True ] || fail "dry run json"
NSUPP=$(json 'd["suppressed"]')
[ "$NSUPP" -ge 2 ] || fail "the sample has no suppressed rows"
run 0 -d "$D" status --json
[ "$(json 'd["records"]')" = 6 ] || fail "--dry-run wrote records"

echo "# publish: scope checks"
run 2 -d "$D" publish --scope "not a scope" "$ROOT/configs/sample.csv"
run 1 -d "$D" publish --scope GB "$ROOT/configs/sample.csv"
run 2 -d "$D" publish --min-cell 5 "$ROOT/configs/sample.csv"

echo "# publish the sample"
run 0 -d "$D" publish "$ROOT/configs/sample.csv"
out_has "published 18 observations ($NSUPP suppressed) in scope CA, seq 7-24"
run 0 -d "$D" log --json
[ "$(json 'len(d)')" = 24 ] || fail "log: $(json 'len(d)') records, want 24"
[ "$(json 'sum(1 for x in d if x["type"]=="observation" and x["suppressed"])')" = "$NSUPP" ] ||
    fail "the log does not show $NSUPP suppressed observations"
# Withheld counts are nowhere in the log: no numerator key on a suppressed record.
[ "$(json 'sum(1 for x in d if x.get("suppressed") and "numerator" in x)')" = 0 ] ||
    fail "a suppressed observation shows counts"
# The small remission stratum (7 of 26) and its complement went out suppressed.
[ "$(json '[x["suppressed"] for x in d if x.get("indicator")=="mhpc.depression-remission-12m" and x["stratum"]=="sex=male"][0]')" = True ] ||
    fail "sex=male remission not suppressed"
[ "$(json '[x["suppressed"] for x in d if x.get("indicator")=="mhpc.depression-remission-12m" and x["stratum"]=="sex=female"][0]')" = True ] ||
    fail "complementary suppression missing"
[ "$(json '[x["numerator"] for x in d if x.get("indicator")=="mhpc.depression-screening" and x["stratum"]==""][0]')" = 412 ] ||
    fail "the screening total lost its counts"
[ "$(json 'd[-1]["author"]')" = "$ID" ] || fail "log author"
run 0 -d "$D" log --limit 3
[ "$(wc -l <"$T/out")" = 4 ] || fail "log --limit 3 printed $(wc -l <"$T/out") lines"
out_has "suppressed"
run 2 -d "$D" log --limit 0

echo "# verify"
run 0 -d "$D" verify
out_has "ok: 24 records"
run 0 -d "$D" verify --json
[ "$(json 'd["ok"]')" = True ] || fail "verify --json"

echo "# bare hlnctl is status"
run 0 -d "$D"
out_has "records:       24"
run 0 --json -d "$D"
[ "$(json 'd["feeds"]')" = 1 ] || fail "status --json feeds"

echo "# -d after the command words works for every command"
run 0 log -d "$D" --limit 1
run 0 trust list -d "$D"
run 0 peer list --data-dir="$D"
run 0 metrics -d "$D"
out_has "hln_store_records 24"
run 2 status -d

if [ "$fails" -ne 0 ]; then
    echo "t_hlnctl: $fails failure(s)" >&2
    exit 1
fi
echo "t_hlnctl: ok"
