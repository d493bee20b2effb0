#!/usr/bin/env bash
# Billing under faults, with the real binaries: `tarifador serve` billing the
# calls of `tarifador-sim` (time scale 1: tarifador uses the system clock).
# Five scenarios run in parallel, each on its own site (data dir, ports,
# processes; tests/integration/billing_lib.sh):
#   cutoff     a prepaid account with money for 3 s places a 30 s call: the
#              call is cut (disposition cut_off_no_funds), balance >= 0
#   concurrent 20 concurrent calls of one prepaid account that can pay for 8:
#              no ledger row below zero, charged == recharge - balance
#   duplicate  --duplicate-hangups: every call billed exactly once
#   droplink   the link drops for 2 s while two calls end: each billed once
#              after the reconnect (reconcile), and a later backfill of the
#              sim's mod_json_cdr files bills nothing twice
#   garbage    bytes that break ESL framing: tarifador reconnects and bills
#              the calls placed afterwards
#   alert_only one call at a time refuses a second call before the carrier
#              (guard_concurrent_calls); the same number again only alerts
#              (guard_repeated_number in guards.alert_only): billed, flagged
#   spike      4 calls in an hour that usually has none: one spend_spike alert
#              (guards.spike_factor 3, spike_min_calls 3)
#   pin        PIN calls through the dialplan's socket: a code's owner pays, wrong
#              codes are refused and then locked, with one pin_failures alert
#   after_hours an international call refused by guards.international_hours
#              (guard_after_hours, one alert), a call dialled as national billed
#   clock_ahead, clock_behind
#              the sim's clock an hour ahead of (behind) the box's: two
#              concurrent calls on a prepaid 1.00 (10 s) are cut where the
#              money ends, every second talked paid for; the status API
#              shows the offset
#   phantom    SIGKILL mid-call; the call ends while tarifador is down; the
#              sim's `show channels` still lists it (--stale-channels, as a
#              real FreeSWITCH does): the restarted tarifador re-attaches it,
#              hears "-ERR No such channel!", lets it go with its money, and
#              the backfill bills it once
#   forged     with mod_json_cdr's cdr-writer token: a CDR for a call still
#              up is refused (409), one with impossible times too (400), the
#              token cannot recharge (403); the call is billed live in full
#   spool      freeswitch.json_cdr_dir: the sim writes every leg's CDR file
#              there as mod_json_cdr does; tarifador is killed mid-call and
#              restarted: the call that ended meanwhile is billed from its
#              file without any import, and every file is deleted
#   socket     freeswitch.socket_listen and the sim's dialplan running
#              `socket` before its bridge (far ends that answer at once): an
#              allowed call on exactly 1 s of money goes out (its own
#              reservation counted once) and is cut at 1 s; a call with no
#              money and one from an unknown extension never reach the
#              gateway; with tarifador's socket unreachable the dialplan's gate
#              refuses the call, still without a gateway leg; the HTTP hook
#              answers curl --anyauth (what mod_curl sends)
#   hook       docs/FREESWITCH.md's Lua authorize hook run by lua5.3 (curl
#              --anyauth as mod_curl): allowed, no money, unknown caller, and
#              tarifador down (fails closed)
#   budget     a prepaid account with 100.00 and a monthly budget of 1.00
#              (mode block): 20 concurrent calls that would cost far more;
#              the budget's calls go out and are cut where it ends, the rest
#              are denied budget_exhausted (never insufficient_funds), and the
#              month's spend (store, API, check) never passes 1.00
#   daily      the same 20 calls under guards.max_daily_spend 1.00 (set
#              through the environment): refused and cut guard_daily_spend,
#              the day's spend (store, API, check) never past 1.00, one alert
#   guard      guards.blocked_prefixes set through the environment: two calls
#              to a blocked range are refused guard_blocked_prefix before
#              any money moves (one guard_tripped alert, one audit row), a
#              call elsewhere goes out and is billed
#   race       no socket (event socket only) and a far end that answers at
#              once: the denied call connects before its uuid_kill lands; its
#              CDR is billed as answered and keeps its deny_reason as the flag
# Each ends with the account's ledger checked through sqlite3 and the HTTP
# API, and `tarifador check` exiting 0.
# Usage: billing_faults_test.sh path/to/tarifador path/to/tarifador-sim [scenario...]
# KEEP_WORK=1 keeps the temp dir (logs, stores) for a post-mortem.
set -euo pipefail

BIN=$(realpath "${1:?usage: $0 path/to/tarifador path/to/tarifador-sim [scenario...]}")
SIM=$(realpath "${2:?usage: $0 path/to/tarifador path/to/tarifador-sim [scenario...]}")
shift 2
for tool in curl sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is needed by this test" >&2; exit 1; }
done
[[ -x "$BIN" ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
[[ -x "$SIM" ]] || { echo "FAIL: $SIM is not an executable" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarifador-faults-XXXXXX")
# shellcheck source=billing_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/billing_lib.sh"

SCENARIO_PIDS=()
cleanup() {
  local pid
  for pid in "${SCENARIO_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  local f
  for f in "$WORK"/*/pids; do
    [[ -f "$f" ]] || continue
    while read -r pid; do
      if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    done <"$f"
  done
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

DEST=0034911234567  # Spain via the gateway: 0.10 a second on plan "default"
FIXTURE_CDR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../fixtures/json_cdr/a_leg_bridged.cdr.json

# The office of one scenario: serve started on the placeholder port, a prepaid
# account with RECHARGE, the listed extensions on it, serve stopped again (it
# is restarted pointed at the sim, so it connects at once and sees every call).
# Sets ACCOUNT_ID.
setup_office() {
  local recharge_amount=$1
  shift
  serve_start
  create_account "acct-$SITE" prepaid
  recharge "$ACCOUNT_ID" "$recharge_amount"
  local ext
  for ext in "$@"; do create_extension "$ext" "$ACCOUNT_ID"; done
  serve_stop
}

# Starts serve against the running sim and waits for the link.
serve_on_sim() {
  serve_start "$SIM_PORT"
  # The link came up (not "is up": a short scenario may be over, and the sim
  # gone, by the time HTTP answers on a loaded machine).
  wait_metric_at_least tarifador_esl_connects_total 1 15
}

scenario_cutoff() {
  new_site cutoff
  setup_office 0.35 1001  # 0.35 at 0.10 a second: 3 seconds
  local uuid=c0000000-0000-4000-8000-000000000001
  printf '{"at": 0, "caller": "1001", "destination": "%s", "ring": 0.5, "talk": 30, "a_uuid": "%s"}\n' \
    "$DEST" "$uuid" >"$D/calls.jsonl"
  sim_start --seed 101 --scenario "$D/calls.jsonl" --exit-when-done
  serve_on_sim
  sim_wait 20
  wait_sql "SELECT count(*) FROM cdrs WHERE uuid = '$uuid'" 1 10
  local row
  row=$(sql "SELECT disposition, hangup_cause, billsec, cost_micros, charged_micros, end_us - start_us FROM cdrs WHERE uuid = '$uuid'")
  note "CDR: $row"
  IFS='|' read -r disposition cause billsec cost charged lasted <<<"$row"
  [[ "$disposition" == cut_off_no_funds ]] || fail "the 30 s call has disposition '$disposition' (cause $cause), not cut_off_no_funds"
  [[ "$cause" == ALLOTTED_TIMEOUT ]] || fail "the cut call ended with $cause, not ALLOTTED_TIMEOUT"
  [[ "$lasted" -lt 10000000 ]] || fail "the call lasted $lasted us: it was not cut at ~3 s"
  [[ "$billsec" -ge 1 && "$billsec" -le 3 ]] || fail "billsec $billsec is not 1..3"
  [[ "$charged" -gt 0 && "$charged" -le 350000 ]] || fail "charged $charged is not in (0, 0.35]"
  [[ "$charged" == "$cost" ]] || fail "charged $charged differs from cost $cost although the money covered it"
  grep -q "sched_hangup" "$D/sim.out" || fail "tarifador never sent sched_hangup: $(cat "$D/sim.out")"
  ledger_consistent "$ACCOUNT_ID" 350000
  serve_stop
  store_check
  note "ok: cut off after ${billsec}s, charged $charged"
}

scenario_concurrent() {
  new_site concurrent
  setup_office 0.80 1002  # reservations of 5 s = 0.50: money for one and a bit
  sim_start --seed 102 --cps 20 --max-concurrent 20 --calls 20 --callers 1002-1002 --destinations "$DEST" \
    --mix answered=100 --ring 0.2:0.5 --talk 3:8
  serve_on_sim
  # Sample the balance while the calls run: it must never be below zero.
  local min_balance=999999999999 b
  while kill -0 "$SIM_PID" 2>/dev/null; do
    b=$(sql "SELECT balance_micros FROM accounts WHERE id = $ACCOUNT_ID" 2>/dev/null || echo "")
    if [[ -n "$b" && "$b" -lt "$min_balance" ]]; then min_balance=$b; fi
    sleep 0.1
  done
  sim_wait 30
  [[ "$min_balance" -ge 0 ]] || fail "the balance was $min_balance during the calls"
  local placed
  placed=$(jget "$D/sim.out" calls_placed)
  [[ "$placed" == 20 ]] || fail "the sim placed $placed calls, not 20"
  wait_sql "SELECT count(*) FROM cdrs WHERE caller = '1002'" 20 10
  local summary denied
  summary=$(sql "SELECT disposition || ':' || count(*) FROM cdrs GROUP BY disposition ORDER BY 1" | tr '\n' ' ')
  note "dispositions: $summary"
  denied=$(sql "SELECT count(*) FROM cdrs WHERE disposition = 'denied'")
  [[ "$denied" -ge 1 ]] || fail "20 calls at 0.50 each on 0.80 and none denied: $summary"
  ledger_consistent "$ACCOUNT_ID" 800000
  serve_stop
  store_check
  note "ok: 20 calls, $denied denied, lowest balance seen $min_balance"
}

scenario_duplicate() {
  new_site duplicate
  setup_office 100 1003 1013
  mkdir -p "$D/cdr"
  sim_start --seed 103 --cps 4 --max-concurrent 8 --calls 8 --callers 1003-1003 --destinations "$DEST,1013" \
    --mix answered=50,busy=25,no_answer=25 --ring 0.2:1 --talk 1:3 --duplicate-hangups --cdr-dir "$D/cdr"
  serve_on_sim
  sim_wait 30
  local placed legs completes
  placed=$(jget "$D/sim.out" calls_placed)
  legs=$(jget "$D/sim.out" cdr_files_written)
  completes=$(jget "$D/sim.out" events_by_name CHANNEL_HANGUP_COMPLETE)
  [[ "$placed" == 8 ]] || fail "the sim placed $placed calls, not 8"
  [[ "$completes" == $((2 * legs)) ]] || fail "$completes HANGUP_COMPLETEs for $legs legs: the fault was not on"
  wait_sql "SELECT count(*) FROM cdrs" "$placed" 10
  sleep 1  # late replays must not add anything
  [[ "$(sql 'SELECT count(*) FROM cdrs')" == "$placed" ]] || fail "more CDRs than calls after the replays"
  # The billed uuids are exactly the originating legs the sim wrote files for.
  python3 - "$D/cdr" >"$D/a_legs" <<'PY'
import json, os, sys
for name in sorted(os.listdir(sys.argv[1])):
    doc = json.load(open(os.path.join(sys.argv[1], name)))
    if "originator" not in doc["callflow"][0]["caller_profile"]:
        print(doc["callflow"][0]["caller_profile"]["uuid"])
PY
  sql "SELECT uuid FROM cdrs ORDER BY uuid" >"$D/billed"
  sort -o "$D/a_legs" "$D/a_legs"
  diff "$D/a_legs" "$D/billed" >"$D/diff" || fail "billed uuids differ from the sim's A legs: $(cat "$D/diff")"
  [[ "$(sql "SELECT count(*) FROM ledger WHERE kind = 'call_charge'")" == \
    "$(sql "SELECT count(DISTINCT call_uuid) FROM ledger WHERE kind = 'call_charge'")" ]] ||
    fail "a call was charged twice"
  ledger_consistent "$ACCOUNT_ID" 100000000
  metric tarifador_billing_failures_total
  note "tarifador_billing_failures_total $METRIC (duplicates must not count as failures)"
  serve_stop
  store_check
  note "ok: $placed calls, $completes HANGUP_COMPLETEs, $placed CDRs"
}

scenario_droplink() {
  new_site droplink
  setup_office 100 1004
  mkdir -p "$D/cdr"
  # The link is down from 2 s to 4 s: calls 1 and 2 end in the outage
  # (0 + 0.15 + 0.5 + 3 = 3.65 s; 0.2 + 0.15 + 0.5 + 3 = 3.85 s), call 3
  # spans it, call 4 starts well after the reconnect.
  local u=d0000000-0000-4000-8000-00000000000
  {
    printf '{"at": 0, "caller": "1004", "destination": "%s", "ring": 0.5, "talk": 3, "a_uuid": "%s1"}\n' "$DEST" "$u"
    printf '{"at": 0.2, "caller": "1004", "destination": "%s", "ring": 0.5, "talk": 3, "a_uuid": "%s2"}\n' "$DEST" "$u"
    printf '{"at": 0, "caller": "1004", "destination": "%s", "ring": 0.5, "talk": 10, "a_uuid": "%s3"}\n' "$DEST" "$u"
    printf '{"at": 9, "caller": "1004", "destination": "%s", "ring": 0.5, "talk": 1, "a_uuid": "%s4"}\n' "$DEST" "$u"
  } >"$D/calls.jsonl"
  sim_start --seed 104 --scenario "$D/calls.jsonl" --exit-when-done --drop-link-after 2 --drop-link-for 2 \
    --cdr-dir "$D/cdr"
  serve_on_sim
  sim_wait 30
  grep -q "dropping the link" "$D/sim.log" || fail "the sim never dropped the link"
  wait_sql "SELECT count(*) FROM cdrs WHERE uuid LIKE 'd0000000-%'" 4 15
  local n
  for n in 1 2 3 4; do
    [[ "$(sql "SELECT count(*) FROM cdrs WHERE uuid = '$u$n'")" == 1 ]] || fail "call $n is not billed exactly once"
    note "call $n: $(sql "SELECT disposition, hangup_cause, billsec, cost_micros, charged_micros FROM cdrs WHERE uuid = '$u$n'")"
  done
  [[ "$(sql 'SELECT count(*) FROM cdrs')" == 4 ]] || fail "more CDRs than calls: $(sql 'SELECT uuid FROM cdrs')"
  metric tarifador_billing_reconciles_total
  [[ "${METRIC%.*}" -ge 1 ]] || fail "tarifador_billing_reconciles_total is $METRIC after a reconnect"
  local reconciles=$METRIC
  metric tarifador_esl_connects_total
  [[ "${METRIC%.*}" -ge 2 ]] || fail "tarifador_esl_connects_total is $METRIC after a dropped link"
  metric tarifador_billing_calls_finalised_total
  note "reconciles $reconciles, calls finalised by a reconcile $METRIC"
  [[ "${METRIC%.*}" -ge 2 ]] || fail "calls 1 and 2 ended in the outage but only $METRIC were finalised by a reconcile"
  ledger_consistent "$ACCOUNT_ID" 100000000
  local before_balance
  before_balance=$(sql "SELECT balance_micros FROM accounts WHERE id = $ACCOUNT_ID")
  serve_stop
  # mod_json_cdr's files of the same calls, backfilled: nothing is billed twice.
  "$BIN" cdr import "$D/cdr" --config "$CFG" >"$D/cdr_import.out" 2>"$D/cdr_import.err" ||
    fail "tarifador cdr import exited non-zero: $(cat "$D/cdr_import.out" "$D/cdr_import.err")"
  note "cdr import: $(cat "$D/cdr_import.out")"
  [[ "$(jget "$D/cdr_import.out" billed)" == 0 ]] || fail "the backfill billed calls again: $(cat "$D/cdr_import.out")"
  [[ "$(jget "$D/cdr_import.out" already_billed)" == 4 ]] || fail "backfill: $(cat "$D/cdr_import.out")"
  [[ "$(sql "SELECT balance_micros FROM accounts WHERE id = $ACCOUNT_ID")" == "$before_balance" ]] ||
    fail "the backfill moved money"
  [[ "$(sql 'SELECT count(*) FROM cdrs')" == 4 ]] || fail "the backfill added CDRs"
  store_check
  note "ok: 4 calls billed once across a dropped link"
}

scenario_garbage() {
  new_site garbage
  setup_office 100 1005
  local u=e0000000-0000-4000-8000-00000000000
  {
    printf '{"at": 0, "caller": "1005", "destination": "%s", "ring": 0.5, "talk": 1, "a_uuid": "%s1"}\n' "$DEST" "$u"
    printf '{"at": 6, "caller": "1005", "destination": "%s", "ring": 0.5, "talk": 1, "a_uuid": "%s2"}\n' "$DEST" "$u"
    printf '{"at": 6.5, "caller": "1005", "destination": "%s", "ring": 0.5, "talk": 2, "a_uuid": "%s3"}\n' "$DEST" "$u"
  } >"$D/calls.jsonl"
  sim_start --seed 105 --scenario "$D/calls.jsonl" --exit-when-done --garbage-after 2.5
  serve_on_sim
  sim_wait 30
  grep -q "sending garbage" "$D/sim.log" || fail "the sim never sent garbage"
  wait_sql "SELECT count(*) FROM cdrs" 3 10
  metric tarifador_esl_connects_total
  [[ "${METRIC%.*}" -ge 2 ]] || fail "tarifador_esl_connects_total is $METRIC: no reconnect after garbage"
  local n
  for n in 2 3; do
    local row
    row=$(sql "SELECT disposition, cost_micros FROM cdrs WHERE uuid = '$u$n'")
    note "call $n (after the garbage): $row"
    [[ "$row" =~ ^answered\|[1-9][0-9]*$ ]] || fail "call $n after the garbage is not billed as answered: '$row'"
  done
  ledger_consistent "$ACCOUNT_ID" 100000000
  serve_stop
  store_check
  note "ok: reconnected after garbage and billed the later calls"
}

# clock_scenario OFFSET_SECONDS
clock_scenario() {
  local offset=$1
  setup_office 1.00 1001 1002  # 1.00 at 0.10 a second: 10 s between the two calls
  local a=c1000000-0000-4000-8000-000000000001 b=c1000000-0000-4000-8000-000000000002
  {
    printf '{"at": 0, "caller": "1001", "destination": "%s", "ring": 0.5, "talk": 30, "a_uuid": "%s"}\n' "$DEST" "$a"
    printf '{"at": 0, "caller": "1002", "destination": "%s", "ring": 0.5, "talk": 30, "a_uuid": "%s"}\n' "$DEST" "$b"
  } >"$D/calls.jsonl"
  sim_start --seed 105 --clock-offset "$offset" --scenario "$D/calls.jsonl" --exit-when-done
  serve_on_sim
  # The offset the box measures, while the link is up.
  for _ in $(seq 1 50); do
    api GET /api/v1/status
    [[ "$(jget "$D/body" freeswitch clock_offset_ms)" != None ]] && break
    sleep 0.1
  done
  local measured
  measured=$(jget "$D/body" freeswitch clock_offset_ms)
  [[ "$measured" != None ]] || fail "/api/v1/status shows no clock offset: $(cat "$D/body")"
  ((measured > offset * 1000 - 2000 && measured < offset * 1000 + 2000)) ||
    fail "/api/v1/status shows a clock offset of $measured ms for $offset s"
  metric tarifador_freeswitch_clock_offset_milliseconds
  ((METRIC > offset * 1000 - 2000 && METRIC < offset * 1000 + 2000)) ||
    fail "/metrics shows a clock offset of $METRIC ms for $offset s"
  sim_wait 45
  wait_sql "SELECT count(*) FROM cdrs WHERE uuid IN ('$a', '$b')" 2 10
  local rows billsec_sum=0 d c billsec cost charged
  rows=$(sql "SELECT disposition, hangup_cause, billsec, cost_micros, charged_micros FROM cdrs ORDER BY uuid")
  note "CDRs: $(echo "$rows" | tr '\n' ' ')"
  while IFS='|' read -r d c billsec cost charged; do
    [[ "$d" == cut_off_no_funds ]] || fail "a call has disposition $d ($c), not cut_off_no_funds"
    [[ "$cost" == "$charged" ]] || fail "a call cost $cost but only $charged was collected: it ran past its money"
    billsec_sum=$((billsec_sum + billsec))
  done <<<"$rows"
  # 10 paid seconds between them; each cut-off may land up to a second early.
  ((billsec_sum >= 8 && billsec_sum <= 10)) || fail "the two calls talked $billsec_sum s for 10 s of money"
  ledger_consistent "$ACCOUNT_ID" 1000000
  serve_stop
  store_check
  note "ok: offset $offset s measured as $measured ms; $billsec_sum s billed of 10 s paid"
}

scenario_clock_ahead() {
  new_site clock_ahead
  clock_scenario 3600
}

scenario_clock_behind() {
  new_site clock_behind
  clock_scenario -3600
}

scenario_phantom() {
  new_site phantom
  setup_office 5.00 1001
  local cdr_dir=$D/cdr uuid=c2000000-0000-4000-8000-000000000001
  mkdir -p "$cdr_dir"
  # Talks until the test hangs it up (below), however busy the machine is.
  printf '{"at": 0, "caller": "1001", "destination": "%s", "ring": 0.5, "talk": 600, "a_uuid": "%s"}\n' \
    "$DEST" "$uuid" >"$D/calls.jsonl"
  sim_start --seed 106 --scenario "$D/calls.jsonl" --duration 120 --stale-channels 60 --cdr-dir "$cdr_dir"
  serve_on_sim
  wait_reserved "$ACCOUNT_ID" 5
  kill -KILL "$SERVE_PID"
  wait "$SERVE_PID" 2>/dev/null || true
  [[ "$(sql "SELECT count(*) FROM cdrs")" == 0 ]] || fail "the call was billed before tarifador was killed"
  # The call ends while tarifador is down; its file is the backfill's.
  sim_api uuid_kill "$uuid" NORMAL_CLEARING
  [[ "$SIM_API" == "+OK"* ]] || fail "uuid_kill on the sim answered '$SIM_API'"
  wait_file "$cdr_dir/$uuid.cdr.json" 20
  serve_start "$SIM_PORT"
  wait_metric_at_least tarifador_esl_link_up 1 15
  wait_metric_at_least tarifador_billing_calls_gone_total 1 15
  api GET /api/v1/calls/active
  [[ "$(jget "$D/body" count)" == 0 ]] || fail "the phantom call is still active: $(cat "$D/body")"
  account_balance "$ACCOUNT_ID"
  [[ "$RESERVED" == 0 ]] || fail "$RESERVED still reserved for a call FreeSWITCH no longer has"
  sleep 2  # a few billing ticks: a phantom would log "no reservation" each second
  if grep -q "no reservation for call" "$D"/serve*.log; then fail "the phantom is still being extended"; fi
  "$BIN" cdr import "$cdr_dir" --config "$CFG" >"$D/import.out" 2>"$D/import.err" ||
    fail "tarifador cdr import exited non-zero: $(cat "$D/import.out" "$D/import.err")"
  [[ "$(jget "$D/import.out" billed)" == 1 ]] || fail "cdr import did not bill the call once: $(cat "$D/import.out")"
  local row
  row=$(sql "SELECT disposition, billsec FROM cdrs WHERE uuid = '$uuid'")
  [[ "$row" =~ ^answered\|[1-9][0-9]*$ ]] || fail "the backfilled CDR is '$row', not answered with a billsec"
  ledger_consistent "$ACCOUNT_ID" 5000000
  serve_stop
  store_check
  note "ok: the phantom was let go with its money and billed once by the backfill"
}

# forged_cdr UUID START_US ANSWER_US END_US OUT: a mod_json_cdr document for
# leg UUID (the committed fixture, its times and uuid replaced) in OUT.
forged_cdr() {
  python3 - "$FIXTURE_CDR" "$@" <<'PY'
import json, sys
src, uuid, start, answer, end, out = sys.argv[1:]
d = json.load(open(src))
v = d["variables"]
v["uuid"] = uuid
for key, us in (("start", start), ("answer", answer), ("bridge", answer), ("end", end)):
    v[key + "_uepoch"] = us
    v[key + "_epoch"] = str(int(us) // 1000000)
v["billsec"] = str(int(end) // 1000000 - int(answer) // 1000000)
profile = d["callflow"][0]["caller_profile"]
profile["uuid"] = uuid
profile["destination_number"] = "0034911234567"
times = d["callflow"][0]["times"]
times.update(created_time=start, profile_created_time=start, answered_time=answer, bridged_time=answer,
             hangup_time=end)
json.dump(d, open(out, "w"))
PY
}

scenario_forged() {
  new_site forged
  setup_office 5.00 1001
  local token uuid=c3000000-0000-4000-8000-000000000001 now_us code
  token=$("$BIN" token create json-cdr --role cdr-writer --config "$CFG" 2>"$D/token2.err") ||
    fail "tarifador token create --role cdr-writer exited non-zero: $(cat "$D/token2.err")"
  # Talks until the test hangs it up (below): still up while the forged CDR is posted.
  printf '{"at": 0, "caller": "1001", "destination": "%s", "ring": 0.5, "talk": 600, "a_uuid": "%s"}\n' \
    "$DEST" "$uuid" >"$D/calls.jsonl"
  sim_start --seed 107 --scenario "$D/calls.jsonl" --exit-when-done
  serve_on_sim
  wait_reserved "$ACCOUNT_ID" 5
  now_us=$(($(date +%s) * 1000000))
  # The live call "ended" after 1 s: refused, the call is still up.
  forged_cdr "$uuid" "$((now_us - 3000000))" "$((now_us - 2000000))" "$((now_us - 1000000))" "$D/forged.json"
  code=$(curl -sS -o "$D/forged.out" -w '%{http_code}' -u "freeswitch:$token" -H 'Content-Type: application/json' \
    --data-binary @"$D/forged.json" "$BASE/api/v1/cdr/json") || fail "curl POST cdr/json failed"
  [[ "$code" == 409 ]] || fail "a CDR for the live call got $code: $(cat "$D/forged.out")"
  # Answered before it started, for a call nobody knows: refused.
  forged_cdr c3000000-0000-4000-8000-000000000002 "$now_us" "$((now_us - 100000000))" "$((now_us + 60000000))" \
    "$D/bad.json"
  code=$(curl -sS -o "$D/bad.out" -w '%{http_code}' -u "freeswitch:$token" -H 'Content-Type: application/json' \
    --data-binary @"$D/bad.json" "$BASE/api/v1/cdr/json") || fail "curl POST cdr/json failed"
  [[ "$code" == 400 ]] || fail "a CDR answered before it started got $code: $(cat "$D/bad.out")"
  grep -q "before it started" "$D/bad.out" || fail "the refusal does not say why: $(cat "$D/bad.out")"
  # The token posts CDRs and nothing else.
  code=$(curl -sS -o "$D/recharge.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' --data-binary '{"amount":"100","note":"x"}' \
    "$BASE/api/v1/accounts/$ACCOUNT_ID/recharges") || fail "curl POST recharges failed"
  [[ "$code" == 403 ]] || fail "a cdr-writer token recharging got $code: $(cat "$D/recharge.out")"
  [[ "$(sql "SELECT count(*) FROM cdrs WHERE uuid = 'c3000000-0000-4000-8000-000000000002'")" == 0 ]] ||
    fail "the CDR with impossible times was billed"
  sim_api uuid_kill "$uuid" NORMAL_CLEARING
  [[ "$SIM_API" == "+OK"* ]] || fail "uuid_kill on the sim answered '$SIM_API'"
  sim_wait 40
  wait_sql "SELECT count(*) FROM cdrs WHERE uuid = '$uuid'" 1 10
  local row
  row=$(sql "SELECT disposition, billsec FROM cdrs WHERE uuid = '$uuid'")
  # Not the forged 1 s: the live events billed it (the 409 alone held 2 s).
  [[ "$row" =~ ^answered\|([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 2)) ||
    fail "the live call's CDR is '$row', not answered with at least 2 s"
  ledger_consistent "$ACCOUNT_ID" 5000000
  serve_stop
  store_check
  note "ok: forged CDRs refused (409 live, 400 impossible), cdr-writer cannot recharge; the call billed live in full"
}

scenario_spool() {
  new_site spool
  setup_office 5.00 1001 1002
  local spool=$D/json_cdr short=c4000000-0000-4000-8000-000000000001 long=c4000000-0000-4000-8000-000000000002
  mkdir -p "$spool"
  {
    printf '{"at": 0, "caller": "1001", "destination": "%s", "ring": 0.5, "talk": 2, "a_uuid": "%s"}\n' "$DEST" "$short"
    # Talks until the test hangs it up, after tarifador is killed.
    printf '{"at": 0, "caller": "1002", "destination": "%s", "ring": 0.5, "talk": 600, "a_uuid": "%s"}\n' "$DEST" \
      "$long"
  } >"$D/calls.jsonl"
  sim_start --seed 108 --scenario "$D/calls.jsonl" --duration 120 --cdr-dir "$spool"
  export TARIFADOR_FREESWITCH_JSON_CDR_DIR=$spool
  serve_on_sim
  # The short call ends with tarifador up: billed live, its files found billed.
  wait_sql "SELECT count(*) FROM cdrs WHERE uuid = '$short'" 1 15
  [[ "$(sql "SELECT count(*) FROM cdrs WHERE uuid = '$long'")" == 0 ]] || fail "the long call ended too soon"
  kill -KILL "$SERVE_PID"
  wait "$SERVE_PID" 2>/dev/null || true
  sim_api uuid_kill "$long" NORMAL_CLEARING
  [[ "$SIM_API" == "+OK"* ]] || fail "uuid_kill on the sim answered '$SIM_API'"
  wait_file "$spool/$long.cdr.json" 20
  serve_start "$SIM_PORT"
  # Billed from its file, with no import.
  wait_sql "SELECT disposition FROM cdrs WHERE uuid = '$long'" answered 15
  local left=""
  for _ in $(seq 1 100); do
    left=$(find "$spool" -maxdepth 1 -name '*.cdr.json' | wc -l)
    [[ "$left" == 0 ]] && break
    sleep 0.1
  done
  [[ "$left" == 0 ]] || fail "$left CDR files are still in the spool: $(ls "$spool")"
  [[ -z "$(ls -A "$spool/rejected")" ]] || fail "files were rejected: $(ls "$spool/rejected")"
  curl -fsS "$BASE/metrics" >"$D/metrics" || fail "GET /metrics failed"
  # The restarted tarifador billed the long call from its file (the short
  # call's files may have been handled before the kill).
  local billed
  billed=$(sed -n 's/^tarifador_cdr_spool_files_total{result="billed"} //p' "$D/metrics")
  [[ "${billed:-0}" -ge 1 ]] || fail "the spool counts no file billed: $(grep tarifador_cdr_spool "$D/metrics")"
  ledger_consistent "$ACCOUNT_ID" 5000000
  serve_stop
  store_check
  note "ok: the call that ended while tarifador was down was billed from its file; the spool is empty"
}

# sim_summary KEY: the value of KEY in the sim's JSON summary (after sim_wait).
sim_summary() {
  python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]).get(sys.argv[2]))' \
    "$D/sim.out" "$1"
}

# metric_labelled NAME LABELS: the value of NAME{LABELS} on /metrics ("" when absent).
metric_labelled() {
  curl -fsS "$BASE/metrics" | awk -v k="$1{$2}" '$1 == k { print $2 }'
}

scenario_socket() {
  new_site socket
  setup_office 0.10 1001 # 0.10 at 0.10 a second: exactly the first second
  local funded=$ACCOUNT_ID
  serve_start
  create_account "acct-empty-$SITE" prepaid
  create_extension 1002 "$ACCOUNT_ID"
  serve_stop
  ACCOUNT_ID=$funded
  local port allowed=c5000000-0000-4000-8000-000000000001 broke=c5000000-0000-4000-8000-000000000002
  local stranger=c5000000-0000-4000-8000-000000000003 refused=c5000000-0000-4000-8000-000000000004
  port=$(free_port)
  # Far ends that answer at once, behind a dialplan that bridges at once
  # (once the socket lets the call go).
  {
    printf '{"at": 0, "caller": "1001", "destination": "%s", "dialplan": 0, "ring": 0, "talk": 30, "a_uuid": "%s"}\n' \
      "$DEST" "$allowed"
    printf '{"at": 0, "caller": "1002", "destination": "%s", "dialplan": 0, "ring": 0, "talk": 30, "a_uuid": "%s"}\n' \
      "$DEST" "$broke"
    printf '{"at": 0, "caller": "1009", "destination": "%s", "dialplan": 0, "ring": 0, "talk": 30, "a_uuid": "%s"}\n' \
      "$DEST" "$stranger"
  } >"$D/calls.jsonl"
  sim_start --seed 109 --scenario "$D/calls.jsonl" --exit-when-done --dialplan-socket "127.0.0.1:$port"
  export TARIFADOR_FREESWITCH_SOCKET_LISTEN=127.0.0.1:$port
  serve_on_sim
  sim_wait 40
  wait_sql "SELECT count(*) FROM cdrs WHERE uuid IN ('$allowed', '$broke', '$stranger')" 3 10
  local row
  row=$(sql "SELECT disposition, deny_reason, billsec FROM cdrs WHERE uuid = '$allowed'")
  [[ "$row" == "cut_off_no_funds||1" ]] || fail "the call with 1 s of money: CDR '$row', not cut_off_no_funds after 1 s"
  row=$(sql "SELECT disposition, deny_reason, billsec, cost_micros FROM cdrs WHERE uuid = '$broke'")
  [[ "$row" == "denied|insufficient_funds|0|0" ]] || fail "the call with no money: CDR '$row'"
  row=$(sql "SELECT disposition, deny_reason, billsec, cost_micros FROM cdrs WHERE uuid = '$stranger'")
  [[ "$row" == "denied|unknown_extension|0|0" ]] || fail "the call from an unknown extension: CDR '$row'"
  local legs sessions
  legs=$(sim_summary gateway_legs)
  sessions=$(sim_summary socket_sessions)
  [[ "$legs" == 1 ]] || fail "the carrier got $legs INVITEs; only the allowed call may reach it: $(cat "$D/sim.out")"
  [[ "$sessions" == 3 ]] || fail "the dialplan's socket held $sessions calls, not 3"
  [[ "$(metric_labelled tarifador_dialplan_socket_calls_total 'result="allowed"')" == 1 ]] ||
    fail "/metrics: $(curl -fsS "$BASE/metrics" | grep dialplan_socket)"
  # A denied call is hung up by its uuid_kill (event socket) or by the
  # socket's verdict, whichever lands first.
  local denied ended
  denied=$(metric_labelled tarifador_dialplan_socket_calls_total 'result="denied"')
  ended=$(metric_labelled tarifador_dialplan_socket_calls_total 'result="ended"')
  ((denied + ended == 2)) || fail "/metrics: $(curl -fsS "$BASE/metrics" | grep dialplan_socket)"
  ledger_consistent "$ACCOUNT_ID" 100000
  recharge "$ACCOUNT_ID" 1.00
  serve_stop

  # tarifador's socket unreachable (not listening): the dialplan's gate
  # refuses the call before any bridge (billing.when_down = deny), though
  # the account could pay for it.
  unset TARIFADOR_FREESWITCH_SOCKET_LISTEN
  printf '{"at": 0, "caller": "1001", "destination": "%s", "dialplan": 0, "ring": 0, "talk": 30, "a_uuid": "%s"}\n' \
    "$DEST" "$refused" >"$D/calls.jsonl"
  sim_start --seed 110 --scenario "$D/calls.jsonl" --duration 5 --dialplan-socket "127.0.0.1:$(free_port)"
  serve_on_sim
  sim_wait 20
  legs=$(sim_summary gateway_legs)
  [[ "$legs" == 0 ]] || fail "with tarifador's socket down the carrier got $legs INVITEs"
  [[ "$(sim_summary socket_gate_hangups)" == 1 ]] || fail "the dialplan's gate did not refuse the call: $(cat "$D/sim.out")"
  wait_sql "SELECT disposition, billsec FROM cdrs WHERE uuid = '$refused'" "failed|0" 10
  ledger_consistent "$ACCOUNT_ID" 1100000
  # The HTTP hook as mod_curl asks (CURLAUTH_ANY: credentials only after a
  # challenge naming a scheme libcurl has), with the docs' viewer token.
  local hook code
  hook=$("$BIN" token create dialplan --role viewer --config "$CFG" 2>"$D/token3.err") ||
    fail "tarifador token create dialplan exited non-zero: $(cat "$D/token3.err")"
  code=$(curl -sS -o "$D/hook.out" -w '%{http_code}' --anyauth -u "tarifador:$hook" \
    "$BASE/api/v1/authorize?caller=1001&destination=$DEST&uuid=$refused") || fail "curl --anyauth failed"
  [[ "$code" == 200 ]] || fail "the authorize hook with --anyauth got $code: $(cat "$D/hook.out")"
  grep -q '"allowed":true' "$D/hook.out" || fail "the authorize hook's answer: $(cat "$D/hook.out")"
  serve_stop
  store_check
  note "ok: 1 of 3 calls reached the gateway (the allowed one, cut at 1 s); the gate refused the call with the socket down"
}

scenario_hook() {
  new_site hook
  setup_office 0.10 1001
  command -v lua5.3 >/dev/null || fail "lua5.3 is needed to run docs/FREESWITCH.md's Lua hook"
  serve_start
  create_account "acct-empty-$SITE" prepaid
  create_extension 1002 "$ACCOUNT_ID"
  local token
  token=$("$BIN" token create dialplan --role viewer --config "$CFG" 2>"$D/token.err") ||
    fail "tarifador token create dialplan exited non-zero: $(cat "$D/token.err")"
  # The hook exactly as docs/FREESWITCH.md gives it, with this site's token
  # and address pasted in as the installer would.
  python3 - "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../../docs/FREESWITCH.md" >"$D/hook.lua" <<'PY2'
import re, sys
blocks = re.findall(r"```lua\n(.*?)\n```", open(sys.argv[1]).read(), re.S)
assert len(blocks) == 1, "docs/FREESWITCH.md should hold one Lua block, not %d" % len(blocks)
print(blocks[0])
PY2
  sed -i -e "s/PASTE-THE-TOKEN-HERE/$token/" -e "s/127\.0\.0\.1:8080/127.0.0.1:$HTTP_PORT/" "$D/hook.lua"
  grep -qF -- "$token" "$D/hook.lua" || fail "the docs' Lua hook has no PASTE-THE-TOKEN-HERE to replace"
  grep -q ":$HTTP_PORT/" "$D/hook.lua" || fail "the docs' Lua hook does not ask 127.0.0.1:8080"
  local harness out
  harness=$(dirname "$(realpath "${BASH_SOURCE[0]}")")/lua_hook_harness.lua
  hook_case() { # CALLER EXPECTED_LAST_LINE
    out=$(cd "$D" && lua5.3 "$harness" "$D/hook.lua" "$1" "$DEST" "c7000000-0000-4000-8000-00000000000$1" 2>"$D/hook.err") ||
      fail "the Lua hook failed for $1: $(cat "$D/hook.err")"
    [[ "$(echo "$out" | head -1)" == "$2" ]] || fail "the Lua hook for $1 did '$out', expected '$2' ($(cat "$D/hook.err"))"
  }
  hook_case 1001 DONE                          # allowed: no hangup
  hook_case 1002 "HANGUP CALL_REJECTED"        # no money
  hook_case 1009 "HANGUP OUTGOING_CALL_BARRED" # not an extension
  serve_stop
  hook_case 1001 "HANGUP NORMAL_TEMPORARY_FAILURE" # tarifador down: WHEN_DOWN = "deny"
  store_check
  note "ok: the docs' Lua hook, run by lua5.3 with curl --anyauth, allows, refuses and fails closed as documented"
}

scenario_budget() {
  new_site budget
  setup_office 100 1003
  serve_start
  api PATCH "/api/v1/accounts/$ACCOUNT_ID" '{"monthly_budget":"1","budget_warn_percent":50}'
  [[ "$HTTP_CODE" == 200 ]] || fail "PATCH /api/v1/accounts/$ACCOUNT_ID answered $HTTP_CODE: $(cat "$D/body")"
  serve_stop
  sim_start --seed 112 --cps 20 --max-concurrent 20 --calls 20 --callers 1003-1003 --destinations "$DEST" \
    --mix answered=100 --ring 0.2:0.5 --talk 3:8
  serve_on_sim
  sim_wait 30
  wait_sql "SELECT count(*) FROM cdrs WHERE caller = '1003'" 20 10
  local spent charged by_budget by_money cut summary state percent
  spent=$(sql "SELECT coalesce(sum(spent_micros), 0) FROM budget_spend WHERE account_id = $ACCOUNT_ID")
  charged=$(sql "SELECT coalesce(sum(charged_micros), 0) FROM cdrs WHERE account_id = $ACCOUNT_ID")
  by_budget=$(sql "SELECT count(*) FROM cdrs WHERE disposition = 'denied' AND deny_reason = 'budget_exhausted'")
  by_money=$(sql "SELECT count(*) FROM cdrs WHERE deny_reason = 'insufficient_funds'")
  cut=$(sql "SELECT count(*) FROM cdrs WHERE disposition = 'cut_off_no_funds' AND deny_reason = 'budget_exhausted'")
  summary=$(sql "SELECT disposition || '/' || deny_reason || ':' || count(*) FROM cdrs GROUP BY disposition, deny_reason ORDER BY 1" | tr '\n' ' ')
  note "CDRs: $summary; spent $spent"
  [[ "$spent" == "$charged" ]] || fail "budget spend $spent differs from the CDRs' charges $charged"
  [[ "$spent" -gt 0 && "$spent" -le 1000000 ]] || fail "the month's spend $spent is not in (0, 1.00]"
  [[ "$by_budget" -ge 1 ]] || fail "no call was denied budget_exhausted: $summary"
  [[ "$by_money" == 0 ]] || fail "$by_money calls were refused for money although 100.00 was there: $summary"
  api GET "/api/v1/accounts/$ACCOUNT_ID"
  state=$(jget "$D/body" budget state)
  percent=$(jget "$D/body" budget used_percent)
  [[ "$percent" == $((spent * 100 / 1000000)) ]] || fail "the API says $percent % used of 1.00 for a spend of $spent"
  if [[ "$spent" -ge 1000000 ]]; then
    [[ "$state" == reached ]] || fail "budget state '$state' at $percent %"
  elif [[ "$spent" -ge 500000 ]]; then
    [[ "$state" == warning ]] || fail "budget state '$state' at $percent % (warning at 50 %)"
  fi
  # The refusals raised one budget_reached alert (once, however many calls).
  api GET "/api/v1/alerts?state=all"
  local reached
  reached=$(grep -o '"kind":"budget_reached"' "$D/body" | wc -l)
  [[ "$reached" == 1 ]] || fail "$reached budget_reached alerts, not 1: $(cat "$D/body")"
  ledger_consistent "$ACCOUNT_ID" 100000000
  serve_stop
  store_check
  grep -q "budget_spend" "$D/check.out" || fail "tarifador check did not run budget_spend: $(cat "$D/check.out")"
  note "ok: spend $spent of 1.00 ($state), $by_budget denied and $cut cut by the budget"
}

scenario_daily() {
  new_site daily
  setup_office 100 1009
  export TARIFADOR_GUARDS_MAX_DAILY_SPEND=1
  sim_start --seed 119 --cps 20 --max-concurrent 20 --calls 20 --callers 1009-1009 --destinations "$DEST" \
    --mix answered=100 --ring 0.2:0.5 --talk 3:8
  serve_on_sim
  sim_wait 30
  wait_sql "SELECT count(*) FROM cdrs WHERE caller = '1009'" 20 10
  local spent charged by_cap by_money cut summary
  spent=$(sql "SELECT coalesce(sum(spent_micros), 0) FROM day_spend WHERE account_id = $ACCOUNT_ID")
  charged=$(sql "SELECT coalesce(sum(charged_micros), 0) FROM cdrs WHERE account_id = $ACCOUNT_ID")
  # Per office day: a run across midnight has two days, each under its cap.
  local most_in_a_day
  most_in_a_day=$(sql "SELECT coalesce(max(spent_micros), 0) FROM day_spend WHERE account_id = $ACCOUNT_ID")
  by_cap=$(sql "SELECT count(*) FROM cdrs WHERE disposition = 'denied' AND deny_reason = 'guard_daily_spend'")
  by_money=$(sql "SELECT count(*) FROM cdrs WHERE deny_reason = 'insufficient_funds'")
  cut=$(sql "SELECT count(*) FROM cdrs WHERE disposition = 'cut_off_no_funds' AND deny_reason = 'guard_daily_spend'")
  summary=$(sql "SELECT disposition || '/' || deny_reason || ':' || count(*) FROM cdrs GROUP BY disposition, deny_reason ORDER BY 1" | tr '\n' ' ')
  note "CDRs: $summary; spent $spent"
  [[ "$spent" == "$charged" ]] || fail "day spend $spent differs from the CDRs' charges $charged"
  [[ "$most_in_a_day" -gt 0 && "$most_in_a_day" -le 1000000 ]] ||
    fail "a day's spend $most_in_a_day is not in (0, 1.00]"
  [[ "$by_cap" -ge 1 ]] || fail "no call was denied guard_daily_spend: $summary"
  [[ "$by_money" == 0 ]] || fail "$by_money calls were refused for money although 100.00 was there: $summary"
  api GET "/api/v1/accounts/$ACCOUNT_ID"
  [[ "$(jget "$D/body" daily source)" == box ]] || fail "the API does not show the box-wide cap: $(cat "$D/body")"
  [[ "$(jget "$D/body" daily limit)" == 1.0000 ]] || fail "the API's daily limit: $(cat "$D/body")"
  # The refusals raised one guard_tripped alert for the rule (once that day).
  api GET "/api/v1/alerts?state=all"
  local tripped
  tripped=$(grep -o '"rule":"guard_daily_spend"' "$D/body" | wc -l)
  [[ "$tripped" == 1 ]] || fail "$tripped guard_daily_spend alerts, not 1: $(cat "$D/body")"
  ledger_consistent "$ACCOUNT_ID" 100000000
  serve_stop
  store_check
  note "ok: spend $spent of the day's 1.00, $by_cap denied and $cut cut by the daily cap"
}

scenario_guard() {
  new_site guard
  setup_office 100 1005
  local blocked=0034906123456 u1=c8000000-0000-4000-8000-000000000001 u2=c8000000-0000-4000-8000-000000000002
  local u3=c8000000-0000-4000-8000-000000000003
  {
    # Long rings: each refusal's kill must come before the answer however
    # loaded the machine (a call that connects anyway is the race scenario).
    printf '{"at": 0, "caller": "1005", "destination": "%s", "ring": 3, "talk": 5, "a_uuid": "%s"}\n' "$blocked" "$u1"
    printf '{"at": 0.5, "caller": "1005", "destination": "%s", "ring": 3, "talk": 5, "a_uuid": "%s"}\n' "$blocked" "$u2"
    printf '{"at": 1, "caller": "1005", "destination": "%s", "ring": 0.3, "talk": 2, "a_uuid": "%s"}\n' "$DEST" "$u3"
  } >"$D/calls.jsonl"
  sim_start --seed 113 --scenario "$D/calls.jsonl" --exit-when-done
  export TARIFADOR_GUARDS_BLOCKED_PREFIXES=34906
  serve_on_sim
  sim_wait 20
  wait_sql "SELECT count(*) FROM cdrs" 3 10
  local rows
  rows=$(sql "SELECT disposition || '/' || deny_reason || '/' || charged_micros FROM cdrs ORDER BY uuid" | tr '\n' ' ')
  note "CDRs: $rows"
  [[ "$rows" =~ ^denied/guard_blocked_prefix/0\ denied/guard_blocked_prefix/0\ answered//[1-9][0-9]*\ $ ]] ||
    fail "CDRs '$rows': not two refused by the guard and one billed"
  api GET "/api/v1/alerts"
  [[ "$(grep -o '"kind":"guard_tripped"' "$D/body" | wc -l)" == 1 ]] || fail "not one guard_tripped alert: $(cat "$D/body")"
  [[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'guard.trip'")" == 1 ]] || fail "not one guard.trip audit row"
  ledger_consistent "$ACCOUNT_ID" 100000000
  serve_stop
  store_check
  note "ok: two calls to 34906 refused by the guard (one alert), the third billed"
}

scenario_after_hours() {
  new_site after_hours
  setup_office 100 1006
  # A window of office hours that excludes now, whatever the hour of the run.
  local hours="20:00-21:00"
  if ((10#$(date +%H) >= 12)); then hours="02:00-03:00"; fi
  local abroad=c9000000-0000-4000-8000-000000000001 home=c9000000-0000-4000-8000-000000000002
  {
    # A long ring: the refusal's kill must come before the answer however
    # loaded the machine (a call that connects anyway is the race scenario).
    printf '{"at": 0, "caller": "1006", "destination": "%s", "ring": 3, "talk": 5, "a_uuid": "%s"}\n' "$DEST" "$abroad"
    printf '{"at": 0.5, "caller": "1006", "destination": "34911234567", "ring": 0.3, "talk": 2, "a_uuid": "%s"}\n' "$home"
  } >"$D/calls.jsonl"
  sim_start --seed 114 --scenario "$D/calls.jsonl" --exit-when-done
  # The office is closed now: "00 34..." is dialled as international (no
  # rating.country_code here), "34..." as dialled.
  export TARIFADOR_GUARDS_INTERNATIONAL_HOURS=$hours TARIFADOR_GUARDS_OFFICE_DAYS=mon,tue,wed,thu,fri,sat,sun
  serve_on_sim
  sim_wait 20
  wait_sql "SELECT count(*) FROM cdrs" 2 10
  local rows
  rows=$(sql "SELECT disposition || '/' || deny_reason || '/' || charged_micros FROM cdrs ORDER BY uuid" | tr '\n' ' ')
  note "CDRs: $rows (office hours $hours)"
  [[ "$rows" =~ ^denied/guard_after_hours/0\ answered//[1-9][0-9]*\ $ ]] ||
    fail "CDRs '$rows': not the international call refused after hours and the other billed"
  api GET "/api/v1/alerts"
  grep -q '"rule":"guard_after_hours"' "$D/body" || fail "no guard_tripped alert for guard_after_hours: $(cat "$D/body")"
  ledger_consistent "$ACCOUNT_ID" 100000000
  serve_stop
  store_check
  note "ok: the international call refused outside office hours ($hours), the call dialled as national billed"
}

scenario_pin() {
  new_site pin
  setup_office 0.05 1001 # the phone's own money: less than the first second
  local phone=$ACCOUNT_ID
  serve_start
  create_account "ana-$SITE" prepaid
  local ana=$ACCOUNT_ID
  recharge "$ana" 5.00
  api POST /api/v1/pins "{\"id\":\"1003\",\"owner\":\"Ana García\",\"account_id\":$ana,\"pin\":\"4817\"}"
  [[ "$HTTP_CODE" == 201 ]] || fail "POST /api/v1/pins answered $HTTP_CODE: $(cat "$D/body")"
  serve_stop
  local port good=ca000000-0000-4000-8000-000000000001 none=ca000000-0000-4000-8000-000000000002
  local locked=ca000000-0000-4000-8000-000000000006
  port=$(free_port)
  # Each PIN call is dialled *7 + the number; the sim keys the code 4 s after
  # the CREATE, then transfers to the number and holds it on the socket.
  {
    printf '{"at": 0, "caller": "1001", "destination": "%s", "pin_id": "1003", "pin": "4817", "ring": 0.2, "talk": 3, "a_uuid": "%s"}\n' \
      "$DEST" "$good"
    printf '{"at": 0.2, "caller": "1001", "destination": "%s", "pin_call": true, "ring": 0.2, "talk": 3, "a_uuid": "%s"}\n' \
      "$DEST" "$none"
    local i
    for i in 3 4 5; do
      printf '{"at": 0.%s, "caller": "1001", "destination": "%s", "pin_id": "1003", "pin": "9031", "ring": 0.2, "talk": 3, "a_uuid": "ca000000-0000-4000-8000-00000000000%s"}\n' \
        "$i" "$DEST" "$i"
    done
    # The right code again, after three wrong ones: locked for 15 minutes.
    printf '{"at": 3, "caller": "1001", "destination": "%s", "pin_id": "1003", "pin": "4817", "ring": 0.2, "talk": 3, "a_uuid": "%s"}\n' \
      "$DEST" "$locked"
  } >"$D/calls.jsonl"
  mkdir -p "$D/fscdr"
  sim_start --seed 115 --scenario "$D/calls.jsonl" --exit-when-done --dialplan-socket "127.0.0.1:$port" \
    --cdr-dir "$D/fscdr"
  export TARIFADOR_FREESWITCH_SOCKET_LISTEN=127.0.0.1:$port TARIFADOR_PINS_MAX_FAILURES=3
  serve_on_sim
  sim_wait 40
  wait_sql "SELECT count(*) FROM cdrs" 6 10
  local row rows
  row=$(sql "SELECT disposition, account_id, pin_id, pin_owner, destination, billsec > 0 FROM cdrs WHERE uuid = '$good'")
  [[ "$row" == "answered|$ana|1003|Ana García|$DEST|1" ]] || fail "the PIN call: CDR '$row', not answered and billed to Ana"
  row=$(sql "SELECT disposition, deny_reason FROM cdrs WHERE uuid = '$none'")
  [[ "$row" == "denied|pin_missing" ]] || fail "the call with no code keyed: CDR '$row'"
  rows=$(sql "SELECT deny_reason FROM cdrs WHERE uuid LIKE 'ca000000-0000-4000-8000-00000000000_' AND uuid NOT IN \
    ('$good', '$none', '$locked') ORDER BY uuid" | tr '\n' ' ')
  [[ "$rows" == "pin_invalid pin_invalid pin_invalid " ]] || fail "the wrong codes: '$rows'"
  row=$(sql "SELECT disposition, deny_reason FROM cdrs WHERE uuid = '$locked'")
  [[ "$row" == "denied|pin_locked" ]] || fail "the right code after three wrong ones: CDR '$row', not pin_locked"
  [[ "$(sim_summary gateway_legs)" == 1 ]] || fail "only the granted PIN call may reach the carrier: $(cat "$D/sim.out")"
  [[ "$(sql "SELECT count(*) FROM alerts WHERE kind = 'pin_failures'")" == 1 ]] || fail "no single pin_failures alert"
  [[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'pin.use'")" == 1 ]] || fail "the PIN use is not audited"
  [[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'pin.refused'")" == 4 ]] || fail "refusals not audited"
  # The digits keyed are nowhere: not in the store, not in the log.
  sqlite3 "$DB" .dump | grep -q -e 4817 -e 9031 && fail "a PIN's digits are in the store"
  grep -q -e 4817 -e 9031 "$D"/serve*.log && fail "a PIN's digits are in serve's log"
  # Nor in FreeSWITCH's own CDRs: the socket removed the variable first.
  grep -l '"tarifador_pin_id"' "$D"/fscdr/*.json >/dev/null || fail "the sim wrote no PIN call's CDR"
  grep -l '"tarifador_pin"' "$D"/fscdr/*.json && fail "FreeSWITCH's CDR of a PIN call still holds the digits"
  ledger_consistent "$ana" 5000000
  ledger_consistent "$phone" 50000
  serve_stop
  store_check
  note "ok: a PIN call billed to its owner from a phone without money; missing, wrong and locked codes refused before the carrier"
}

scenario_alert_only() {
  new_site alert_only
  setup_office 100 1008
  local first=cb000000-0000-4000-8000-000000000001 second=cb000000-0000-4000-8000-000000000002
  local again=cb000000-0000-4000-8000-000000000003
  {
    printf '{"at": 0, "caller": "1008", "destination": "%s", "ring": 0.3, "talk": 3, "a_uuid": "%s"}\n' "$DEST" "$first"
    # While the first is up: one call at a time (blocks). A long ring: the
    # refusal's kill must come before the answer on a loaded machine.
    printf '{"at": 1, "caller": "1008", "destination": "%s", "ring": 3, "talk": 3, "a_uuid": "%s"}\n' "$DEST" "$second"
    # After it ended: the same number again in the hour (only alerts).
    printf '{"at": 6, "caller": "1008", "destination": "%s", "ring": 0.3, "talk": 2, "a_uuid": "%s"}\n' "$DEST" "$again"
  } >"$D/calls.jsonl"
  # Through the dialplan's socket, so that the refused call provably never
  # reaches the carrier (without it the refusal races the dialplan's bridge).
  local port
  port=$(free_port)
  sim_start --seed 116 --scenario "$D/calls.jsonl" --exit-when-done --dialplan-socket "127.0.0.1:$port"
  export TARIFADOR_GUARDS_MAX_CONCURRENT_CALLS=1 TARIFADOR_GUARDS_MAX_REPEATS_PER_HOUR=1 \
    TARIFADOR_GUARDS_ALERT_ONLY=guard_repeated_number TARIFADOR_FREESWITCH_SOCKET_LISTEN=127.0.0.1:$port
  serve_on_sim
  sim_wait 30
  wait_sql "SELECT count(*) FROM cdrs" 3 10
  local rows
  rows=$(sql "SELECT disposition || '/' || deny_reason || '/' || (charged_micros > 0) FROM cdrs ORDER BY uuid" | tr '\n' ' ')
  note "CDRs: $rows"
  [[ "$rows" == "answered//1 denied/guard_concurrent_calls/0 answered/guard_repeated_number/1 " ]] ||
    fail "CDRs '$rows': not the first billed, the second refused (one call at a time), the third billed and flagged"
  [[ "$(sim_summary gateway_legs)" == 2 ]] || fail "the refused call reached the carrier: $(cat "$D/sim.out")"
  api GET "/api/v1/alerts"
  grep -q '"rule":"guard_concurrent_calls"' "$D/body" || fail "no alert for the refused call: $(cat "$D/body")"
  jget "$D/body" items >"$D/items.json"
  python3 - "$D/items.json" <<'PY' || fail "the alert-only guard's alert does not say the call went through: $(cat "$D/body")"
import json, sys
items = json.load(open(sys.argv[1]))
outcomes = {i["detail"]["rule"]: i["detail"]["outcome"] for i in items if i["kind"] == "guard_tripped"}
assert outcomes == {"guard_concurrent_calls": "refused", "guard_repeated_number": "alert"}, outcomes
PY
  ledger_consistent "$ACCOUNT_ID" 100000000
  serve_stop
  store_check
  note "ok: one call at a time refused a second call before the carrier; the repeated number only alerted and was billed"
}

scenario_spike() {
  new_site spike
  setup_office 100 1009
  local i
  for i in 1 2 3 4; do
    printf '{"at": 0.%s, "caller": "1009", "destination": "%s", "ring": 0.3, "talk": 1, "a_uuid": "cc000000-0000-4000-8000-00000000000%s"}\n' \
      "$i" "$DEST" "$i"
  done >"$D/calls.jsonl"
  sim_start --seed 117 --scenario "$D/calls.jsonl" --exit-when-done
  # A box without a past: 4 calls this hour against none usually is a spike
  # once there are at least 3.
  export TARIFADOR_GUARDS_SPIKE_FACTOR=3 TARIFADOR_GUARDS_SPIKE_MIN_CALLS=3
  serve_on_sim
  sim_wait 20
  wait_sql "SELECT count(*) FROM cdrs" 4 10
  # The alert watch looks every 5 s.
  wait_sql "SELECT count(*) FROM alerts WHERE kind = 'spend_spike'" 1 15
  api GET "/api/v1/alerts"
  grep -q '"kind":"spend_spike"' "$D/body" || fail "no spend_spike alert in the API: $(cat "$D/body")"
  grep -q '"usual_calls":0' "$D/body" || fail "the spike's figures: $(cat "$D/body")"
  ledger_consistent "$ACCOUNT_ID" 100000000
  serve_stop
  store_check
  note "ok: 4 calls in an hour that usually has none raised one spend_spike alert"
}

scenario_race() {
  new_site race
  setup_office 0.05 1001 # less than the first second (0.10): denied
  local uuid=c6000000-0000-4000-8000-000000000001
  printf '{"at": 0, "caller": "1001", "destination": "%s", "dialplan": 0, "ring": 0, "talk": 30, "a_uuid": "%s"}\n' \
    "$DEST" "$uuid" >"$D/calls.jsonl"
  # --duration, not --exit-when-done: the call ends at once, and the sim must
  # outlive the wait for the link.
  sim_start --seed 111 --scenario "$D/calls.jsonl" --duration 5
  serve_on_sim
  sim_wait 20
  wait_sql "SELECT count(*) FROM cdrs WHERE uuid = '$uuid'" 1 10
  local row
  row=$(sql "SELECT disposition, deny_reason, hangup_cause FROM cdrs WHERE uuid = '$uuid'")
  [[ "$row" == "answered|insufficient_funds|CALL_REJECTED" ]] ||
    fail "the denied call that connected has CDR '$row', not answered and flagged with its deny_reason"
  [[ "$(sim_summary gateway_legs_answered)" == 1 ]] || fail "the far end did not answer: $(cat "$D/sim.out")"
  grep -q "denied (insufficient_funds) but connected" "$D"/serve*.log || fail "no warning says the denied call connected"
  ledger_consistent "$ACCOUNT_ID" 50000
  serve_stop
  store_check
  note "ok: a denied call that connected anyway was billed as answered, flagged insufficient_funds"
}

ALL=(cutoff concurrent duplicate droplink garbage clock_ahead clock_behind phantom forged spool socket race hook budget
  daily guard after_hours pin alert_only spike)
WANTED=("$@")
[[ ${#WANTED[@]} -gt 0 ]] || WANTED=("${ALL[@]}")
for name in "${WANTED[@]}"; do
  declare -F "scenario_$name" >/dev/null || { echo "FAIL: no scenario '$name' (have: ${ALL[*]})" >&2; exit 1; }
done

START=$SECONDS
for name in "${WANTED[@]}"; do
  # Each scenario in its own subshell; its EXIT trap ends its own processes.
  (
    D=$WORK/$name
    trap site_cleanup EXIT
    "scenario_$name"
  ) >"$WORK/$name.out" 2>&1 &
  SCENARIO_PIDS+=($!)
done

FAILED=()
for i in "${!WANTED[@]}"; do
  status=0
  wait "${SCENARIO_PIDS[$i]}" || status=$?
  if [[ "$status" != 0 ]]; then FAILED+=("${WANTED[$i]}"); fi
done
for name in "${WANTED[@]}"; do
  echo "=== $name ==="
  cat "$WORK/$name.out"
done
if [[ ${#FAILED[@]} -gt 0 ]]; then
  echo "FAIL: billing_faults: ${FAILED[*]} ($((SECONDS - START)) s)" >&2
  exit 1
fi
echo "PASS: billing_faults (${WANTED[*]}; $((SECONDS - START)) s)"
