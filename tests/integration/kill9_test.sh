#!/usr/bin/env bash
# A crash mid-load, then the backfill, with the real binaries: tarifador-sim
# places a few calls a second (talk 1-4 s) and writes every leg's
# mod_json_cdr file (--cdr-dir); `tarifador serve` is killed with SIGKILL
# mid-load and restarted ~2 s later; the load stops (every call placed has
# ended); then `tarifador cdr import CDRDIR` backfills what was missed.
# Checks: every originating leg the sim wrote a file for (callflow without an
# originator block) has exactly one row in cdrs, no other row exists, no call
# is charged twice, a second import bills nothing, `tarifador check` exits 0.
# Usage: kill9_test.sh path/to/tarifador path/to/tarifador-sim
# KEEP_WORK=1 keeps the temp dir (logs, store, CDR files) for a post-mortem.
set -euo pipefail

BIN=$(realpath "${1:?usage: $0 path/to/tarifador path/to/tarifador-sim}")
SIM=$(realpath "${2:?usage: $0 path/to/tarifador path/to/tarifador-sim}")
for tool in curl sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is needed by this test" >&2; exit 1; }
done
[[ -x "$BIN" ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
[[ -x "$SIM" ]] || { echo "FAIL: $SIM is not an executable" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarifador-kill9-XXXXXX")
# shellcheck source=billing_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/billing_lib.sh"
D=$WORK/kill9
cleanup() {
  site_cleanup
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

START=$SECONDS
CALLS=24
new_site kill9
CDR_DIR=$D/cdr
mkdir -p "$CDR_DIR"

# The office: two prepaid accounts with plenty of money, five extensions.
serve_start
create_account "sales" prepaid
SALES=$ACCOUNT_ID
recharge "$SALES" 500
create_account "support" prepaid
SUPPORT=$ACCOUNT_ID
recharge "$SUPPORT" 500
create_extension 1001 "$SALES"
create_extension 1002 "$SALES"
create_extension 1003 "$SALES"
create_extension 1004 "$SUPPORT"
create_extension 1005 "$SUPPORT"
serve_stop

# 3 calls a second, outbound and internal, answered or not; the sim exits once
# all $CALLS have been placed and have ended.
sim_start --seed 909 --cps 3 --max-concurrent 20 --calls "$CALLS" --callers 1001-1005 \
  --destinations 0034911234567,0034611222333,1002,1004 --mix answered=70,busy=10,no_answer=10,failed=10 \
  --ring 0.2:1 --talk 1:4 --cdr-dir "$CDR_DIR"
serve_start "$SIM_PORT"
wait_metric_at_least tarifador_esl_link_up 1 15

# Mid-load: SIGKILL, ~2 s down (calls end meanwhile: their HANGUP_COMPLETE is
# lost), then a restart on the same store.
sleep 3.5
BILLED_BEFORE=$(sql "SELECT count(*) FROM cdrs")
note "killing tarifador serve (pid $SERVE_PID) with SIGKILL; $BILLED_BEFORE calls billed so far"
kill -KILL "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
sleep 2
FILES_WHILE_DOWN=$(find "$CDR_DIR" -name '*.cdr.json' | wc -l)
serve_start "$SIM_PORT"
wait_metric_at_least tarifador_esl_link_up 1 15
note "restarted; $FILES_WHILE_DOWN CDR files written so far"

sim_wait 40
PLACED=$(jget "$D/sim.out" calls_placed)
[[ "$PLACED" == "$CALLS" ]] || fail "the sim placed $PLACED calls, not $CALLS"
[[ "$(jget "$D/sim.out" cdr_write_errors)" == 0 ]] || fail "the sim failed to write CDR files: $(cat "$D/sim.out")"
# Every call has ended: wait until the billing thread has handled all it
# received before the sim exited (no call tracked, nothing queued or waiting
# for a retry), rather than for a fixed time.
wait_metric_equals tarifador_calls_active 0 15
wait_metric_equals tarifador_billing_queue_depth 0 15
wait_metric_equals tarifador_calls_unbilled 0 15

# The originating legs: files whose newest callflow profile has no originator.
python3 - "$CDR_DIR" >"$D/a_legs" 2>"$D/a_legs.err" <<'PY' || fail "reading the CDR files: $(cat "$D/a_legs.err")"
import json, os, sys
for name in sorted(os.listdir(sys.argv[1])):
    if not name.endswith(".cdr.json"):
        raise SystemExit("unexpected file %s in the CDR dir (a temp file left behind?)" % name)
    doc = json.load(open(os.path.join(sys.argv[1], name)))
    profile = doc["callflow"][0]["caller_profile"]
    if profile["uuid"] + ".cdr.json" != name:
        raise SystemExit("%s holds leg %s" % (name, profile["uuid"]))
    if "originator" not in profile:
        print(profile["uuid"])
PY
sort -o "$D/a_legs" "$D/a_legs"
A_LEGS=$(wc -l <"$D/a_legs")
FILES=$(find "$CDR_DIR" -name '*.cdr.json' | wc -l)
[[ "$A_LEGS" == "$PLACED" ]] || fail "$A_LEGS A-leg CDR files for $PLACED calls placed"
BILLED_LIVE=$(sql "SELECT count(*) FROM cdrs")
note "$PLACED calls, $FILES CDR files ($A_LEGS A legs); billed live: $BILLED_LIVE"
[[ "$BILLED_LIVE" -lt "$PLACED" ]] ||
  note "note: every call was billed live (none ended while tarifador was down); the backfill has nothing to add"

# The backfill, while serve runs (an operator's backfill on a live box).
"$BIN" cdr import "$CDR_DIR" --config "$CFG" >"$D/import1.out" 2>"$D/import1.err" ||
  fail "tarifador cdr import exited non-zero: $(cat "$D/import1.out" "$D/import1.err")"
note "cdr import: $(cat "$D/import1.out")"
IMPORTED_FILES=$(jget "$D/import1.out" files)
BILLED=$(jget "$D/import1.out" billed)
ALREADY=$(jget "$D/import1.out" already_billed)
NOT_BILLED=$(jget "$D/import1.out" not_billed)
[[ "$(jget "$D/import1.out" failed)" == 0 ]] || fail "cdr import failed files: $(cat "$D/import1.err")"
[[ "$IMPORTED_FILES" == "$FILES" ]] || fail "cdr import read $IMPORTED_FILES files of $FILES"
[[ $((BILLED + ALREADY + NOT_BILLED)) == "$FILES" ]] || fail "cdr import counts do not add up: $(cat "$D/import1.out")"
[[ $((BILLED + ALREADY)) == "$A_LEGS" ]] || fail "cdr import billed/already billed $((BILLED + ALREADY)) of $A_LEGS A legs"
[[ "$BILLED" == $((A_LEGS - BILLED_LIVE)) ]] ||
  fail "cdr import billed $BILLED calls, but $((A_LEGS - BILLED_LIVE)) were missing"

# Exactly one row per originating leg, nothing else.
sql "SELECT uuid FROM cdrs ORDER BY uuid" >"$D/billed"
diff "$D/a_legs" "$D/billed" >"$D/diff" || fail "cdrs differ from the sim's A legs (< missing, > extra): $(cat "$D/diff")"
[[ "$(sql "SELECT count(*) FROM ledger WHERE kind = 'call_charge'")" == \
  "$(sql "SELECT count(DISTINCT call_uuid) FROM ledger WHERE kind = 'call_charge'")" ]] || fail "a call was charged twice"
ledger_consistent "$SALES" 500000000
ledger_consistent "$SUPPORT" 500000000

# A second import changes nothing.
"$BIN" cdr import "$CDR_DIR" --config "$CFG" >"$D/import2.out" 2>"$D/import2.err" ||
  fail "the second cdr import exited non-zero: $(cat "$D/import2.out" "$D/import2.err")"
[[ "$(jget "$D/import2.out" billed)" == 0 ]] || fail "the second import billed again: $(cat "$D/import2.out")"
[[ "$(sql "SELECT count(*) FROM cdrs")" == "$A_LEGS" ]] || fail "the second import added CDRs"

serve_stop
store_check
echo "PASS: kill9 ($PLACED calls, $BILLED_LIVE billed live, $BILLED by the backfill; $((SECONDS - START)) s)"
