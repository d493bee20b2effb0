#!/usr/bin/env bash
# shellcheck disable=SC2034  # BIN, SIM, DB, BASE, ... are billing_lib.sh's globals
# The PostgreSQL mirror with the real binaries (docs/MIRROR.md): a real
# PostgreSQL started here (tests/test_support/pg_cluster.sh), two sites
# (`tarifador serve` + `tarifador-sim` each) mirroring into one database.
# Site "madrid": a load of calls; PostgreSQL is stopped mid-run (the backlog
# grows, /api/v1/status shows the error) and started again (it drains); then
# PostgreSQL is stopped again, more calls pile up, and tarifador is killed
# with SIGKILL while it drains the backlog, and restarted. Site "lisboa": a
# smaller load at the same time. Checks: for each site, every mirrored table
# (cdrs, ledger, accounts, extensions) is equal row for row in PostgreSQL and
# SQLite (md5 of every row's text, and counts), the outbox is empty, metrics
# and status agree, `tarifador check` exits 0.
# Exit 77 (skipped) when the PostgreSQL server binaries are not installed.
# Usage: mirror_test.sh path/to/tarifador path/to/tarifador-sim
set -euo pipefail

BIN=$(realpath "${1:?usage: $0 path/to/tarifador path/to/tarifador-sim}")
SIM=$(realpath "${2:?usage: $0 path/to/tarifador path/to/tarifador-sim}")
HERE=$(dirname "${BASH_SOURCE[0]}")
PG_CLUSTER=$HERE/../test_support/pg_cluster.sh
for tool in curl sqlite3 python3 md5sum; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is needed by this test" >&2; exit 1; }
done

PG_OUT=$(bash "$PG_CLUSTER" start) || {
  rc=$?
  if [[ $rc == 77 ]]; then
    # In CI a missing prerequisite fails the run: the suite cannot shrink silently.
    if [[ ${CI:-} == true ]]; then
      echo "FAIL: PostgreSQL server binaries not installed (apt-get install postgresql); CI=true" >&2
      exit 1
    fi
    echo "SKIP: PostgreSQL server binaries not installed (apt-get install postgresql)"
    exit 77
  fi
  echo "FAIL: could not start a PostgreSQL cluster" >&2
  exit 1
}
read -r PG_DIR PG_PORT <<<"$PG_OUT"
PSQL="$(bash "$PG_CLUSTER" bindir)/psql"
PG_CONNINFO="host=127.0.0.1 port=$PG_PORT user=tarifador dbname=postgres"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarifador-mirror-XXXXXX")
# shellcheck source=billing_lib.sh
source "$HERE/billing_lib.sh"
SITES=()
cleanup() {
  local s
  for s in "${SITES[@]}"; do D=$WORK/$s site_cleanup; done
  bash "$PG_CLUSTER" destroy "$PG_DIR" || true
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Every serve of this script mirrors; retries capped at 1 s so the test is quick.
export TARIFADOR_POSTGRES_ENABLED=true
export TARIFADOR_POSTGRES_CONNINFO="$PG_CONNINFO password=not-a-real-secret"
export TARIFADOR_POSTGRES_RETRY_MAX_SECONDS=1
export TARIFADOR_POSTGRES_BATCH_ROWS=2  # many small batches: the SIGKILL lands mid-drain

psql_q() { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$PG_CONNINFO" -c "$1"; }

# Mirrored columns per table, key first (sql/postgres/0001_mirror.sql).
declare -A COLS=(
  [accounts]="id,name,type,credit_limit_micros,monthly_budget_micros,balance_micros,created_us,updated_us,budget_mode,budget_warn_percent,low_balance_micros"
  [extensions]="number,name,account_id,rate_plan,enabled,created_us,updated_us"
  [ledger]="id,account_id,kind,amount_micros,balance_after_micros,actor,reason,at_us,call_uuid,idempotency_key"
  [cdrs]="uuid,linked_uuids,direction,caller,caller_name,account_id,destination,normalised_number,zone,prefix,rate_plan,price_per_minute_micros,connection_fee_micros,start_us,answer_us,bridge_us,end_us,duration_s,billsec,billusec,billable_seconds,cost_micros,charged_micros,hangup_cause,disposition,deny_reason,gateway,billed_us,pin_id,pin_owner"
)
declare -A KEYS=([accounts]=id [extensions]=number [ledger]=id [cdrs]=uuid)

# The same row text in SQLite and PostgreSQL: coalesce(CAST(c AS TEXT),'~')||'|'||...
row_text() {
  local out="" c
  IFS=, read -ra cols <<<"$1"
  for c in "${cols[@]}"; do
    [[ -n "$out" ]] && out+="||'|'||"
    out+="coalesce(CAST($c AS TEXT),'~')"
  done
  echo "$out"
}

# mirror_equal: the current site's tables equal their mirror, row for row.
mirror_equal() {
  local t local_sum pg_sum local_n pg_n order
  for t in accounts extensions ledger cdrs; do
    order=${KEYS[$t]}
    [[ "$order" == id ]] || order="$order COLLATE \"C\""
    local_n=$(sql "SELECT count(*) FROM $t")
    pg_n=$(psql_q "SELECT count(*) FROM tarifador.$t WHERE site_id = 'it-$SITE'")
    [[ "$local_n" == "$pg_n" ]] || fail "$t: $local_n rows in SQLite, $pg_n in PostgreSQL"
    local_sum=$(sql "SELECT $(row_text "${COLS[$t]}") FROM $t ORDER BY ${KEYS[$t]}" | md5sum)
    pg_sum=$(psql_q "SELECT $(row_text "${COLS[$t]}") FROM tarifador.$t WHERE site_id = 'it-$SITE' ORDER BY $order" | md5sum)
    [[ "$local_sum" == "$pg_sum" ]] || fail "$t: SQLite and PostgreSQL rows differ (md5 ${local_sum%% *} vs ${pg_sum%% *})"
  done
  note "mirror equal: $(sql "SELECT count(*) FROM cdrs") cdrs, $(sql "SELECT count(*) FROM ledger") ledger rows"
}

# status_mirror KEY: prints /api/v1/status .mirror.KEY
status_mirror() {
  api GET /api/v1/status
  [[ "$HTTP_CODE" == 200 ]] || fail "GET /api/v1/status answered $HTTP_CODE"
  jget "$D/body" mirror "$1"
}

wait_drained() {
  wait_sql "SELECT count(*) FROM outbox" 0 "$1"
  for _ in $(seq 1 50); do
    [[ "$(status_mirror backlog)" == 0 ]] && return 0
    sleep 0.1
  done
  fail "status still shows a backlog after the outbox emptied"
}

# use_site NAME: points the billing_lib globals at an existing site.
use_site() {
  SITE=$1 D=$WORK/$1 CFG=$WORK/$1/tarifador.json DB=$WORK/$1/data/tarifador.db
  # The port its serve took last (serve_start writes it; 0 before any start).
  HTTP_PORT=$(cat "$D/http_port" 2>/dev/null || echo 0)
  BASE="http://127.0.0.1:$HTTP_PORT"
  ADMIN_TOKEN=$(cat "$D/admin_token")
}

# setup_site NAME FIRST_EXT: accounts, extensions, a recharge; serve left stopped.
setup_site() {
  new_site "$1"
  SITES+=("$1")
  echo "$ADMIN_TOKEN" >"$D/admin_token"
  serve_start
  create_account "sales-$1" prepaid
  recharge "$ACCOUNT_ID" 500
  create_extension "$2" "$ACCOUNT_ID"
  create_extension "$(($2 + 1))" "$ACCOUNT_ID"
  [[ "$(status_mirror enabled)" == True ]] || fail "status says the mirror is off"
  serve_stop
}

START=$SECONDS
setup_site lisboa 2001
setup_site madrid 1001

# Lisboa: a small load, left to run alongside.
use_site lisboa
sim_start --seed 11 --cps 2 --max-concurrent 10 --calls 12 --callers 2001-2002 \
  --destinations 0034911234567,2002 --mix answered=80,busy=20 --ring 0.2:0.5 --talk 1:2
LISBOA_SIM_PID=$SIM_PID
serve_start "$SIM_PORT"
LISBOA_SERVE_PID=$SERVE_PID

# Madrid: the main load.
use_site madrid
CALLS=60
sim_start --seed 42 --cps 3 --max-concurrent 20 --calls "$CALLS" --callers 1001-1002 \
  --destinations 0034911234567,0034611222333,1002 --mix answered=80,busy=10,no_answer=10 \
  --ring 0.2:0.5 --talk 1:3
serve_start "$SIM_PORT"
wait_metric_at_least tarifador_esl_link_up 1 15
wait_metric_at_least tarifador_mirror_rows_pushed_total 1 15

# PostgreSQL down mid-run: billing goes on, the backlog grows, status says why.
sleep 2
bash "$PG_CLUSTER" stop "$PG_DIR"
note "PostgreSQL stopped with $(sql "SELECT count(*) FROM cdrs") calls billed"
for _ in $(seq 1 100); do
  [[ "$(status_mirror backlog)" -gt 0 && "$(status_mirror last_error)" != None ]] && break
  sleep 0.1
done
[[ "$(status_mirror backlog)" -gt 0 ]] || fail "no backlog while PostgreSQL is down"
ERR=$(status_mirror last_error)
[[ "$ERR" != None ]] || fail "status shows no last_error while PostgreSQL is down"
[[ "$ERR" != *not-a-real-secret* ]] || fail "the status shows the password: $ERR"
grep -q not-a-real-secret "$D"/serve*.log && fail "the log shows the password"
metric tarifador_mirror_errors_total
[[ "$METRIC" -ge 1 ]] || fail "tarifador_mirror_errors_total is $METRIC while PostgreSQL is down"
sleep 2
bash "$PG_CLUSTER" restart "$PG_DIR"
note "PostgreSQL back; backlog $(status_mirror backlog)"
wait_drained 30

# Again down, a backlog, and a SIGKILL while it drains.
bash "$PG_CLUSTER" stop "$PG_DIR"
sleep 5
BACKLOG=$(sql "SELECT count(*) FROM outbox")
[[ "$BACKLOG" -gt 0 ]] || fail "no backlog built up while PostgreSQL was down the second time"
bash "$PG_CLUSTER" restart "$PG_DIR"
for _ in $(seq 1 100); do  # the first batch of the drain is in
  [[ "$(sql "SELECT count(*) FROM outbox")" -lt "$BACKLOG" ]] && break
  sleep 0.01
done
kill -KILL "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
note "killed tarifador serve with SIGKILL while draining: $(sql "SELECT count(*) FROM outbox") of $BACKLOG+ outbox rows left"
serve_start "$SIM_PORT"

sim_wait 60
sleep 1  # the billing thread finishes what it received
wait_drained 30
mirror_equal
[[ "$(sql "SELECT count(*) FROM cdrs")" -ge $((CALLS - 5)) ]] || fail "too few calls billed: $(sql "SELECT count(*) FROM cdrs")"
[[ "$(status_mirror last_success)" != None ]] || fail "status shows no last_success"
serve_stop
store_check

use_site lisboa
SIM_PID=$LISBOA_SIM_PID SERVE_PID=$LISBOA_SERVE_PID
sim_wait 60
sleep 1
wait_drained 30
mirror_equal
serve_stop
store_check

SITES_IN_PG=$(psql_q "SELECT string_agg(DISTINCT site_id, ',' ORDER BY site_id) FROM tarifador.cdrs")
[[ "$SITES_IN_PG" == "it-lisboa,it-madrid" ]] || fail "PostgreSQL holds CDRs of sites '$SITES_IN_PG'"
echo "PASS: mirror (2 sites, PostgreSQL down twice, SIGKILL mid-drain; $((SECONDS - START)) s)"
