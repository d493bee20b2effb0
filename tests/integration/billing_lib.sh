# shellcheck shell=bash disable=SC2034  # globals (ACCOUNT_ID, RESERVED, ...) are the callers' results
# Helpers for the billing integration tests (billing_faults_test.sh,
# kill9_test.sh): one "site" = a data dir, a config, a rate deck, an admin
# token, a `tarifador serve` and a `tarifador-sim`, on free loopback ports.
# Sourced, not run. The caller sets BIN (tarifador), SIM (tarifador-sim) and
# WORK (a temp dir). Every process started is recorded in "$D/pids" so that an
# EXIT trap (site_cleanup) can end it by pid.
#
# Helpers return their results in globals (ACCOUNT_ID, HTTP_CODE, SIM_PORT,
# METRIC, ...), never through $(...), so that `fail` ends the script or
# scenario subshell instead of a command substitution.

# A free port: bind port 0 on loopback and read what the kernel chose.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# Prints the message and the end of every log of the site, then exits.
fail() {
  echo "FAIL: [${SITE:-?}] $*" >&2
  local f
  for f in "${D:-/nonexistent}"/serve*.log "${D:-/nonexistent}"/sim.log "${D:-/nonexistent}"/check.out; do
    [[ -f "$f" ]] || continue
    echo "--- $f (last 40 lines) ---" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}

note() { echo "[${SITE:-?}] $*"; }

# Kills (SIGKILL) every process this site started that is still running.
site_cleanup() {
  local pid
  [[ -f "${D:-/nonexistent}/pids" ]] || return 0
  while read -r pid; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done <"$D/pids"
}

# new_site NAME: sets SITE, D, CFG, DB, HTTP_PORT, BASE and ADMIN_TOKEN; writes
# the config (debit interval 5 s) and imports plan "default": Spain (34...)
# at 6.00 a minute billed per second, i.e. 0.10 a second.
new_site() {
  SITE=$1
  D=$WORK/$SITE
  mkdir -p "$D/data"
  : >"$D/pids"
  # Port 0: serve takes any free port and names it in its log (serve_start
  # reads it). A port chosen here and bound later could be taken meanwhile by
  # another test running side by side, whose server would then answer ours.
  HTTP_PORT=0
  BASE="http://127.0.0.1:$HTTP_PORT"
  CFG=$D/tarifador.json
  DB=$D/data/tarifador.db
  SERVE_RUNS=0
  # freeswitch.port: a placeholder until the sim runs (serve_start PORT overrides it
  # with TARIFADOR_FREESWITCH_PORT).
  cat >"$CFG" <<JSON
{
  "data_dir": "$D/data",
  "site_id": "it-$SITE",
  "http": { "listen": "127.0.0.1:0" },
  "freeswitch": { "host": "127.0.0.1", "port": $(free_port), "password": "ClueCon" },
  "billing": { "debit_interval": 5 },
  "rating": { "default_plan": "default" }
}
JSON
  printf 'prefix,zone,price_per_minute,connection_fee,initial_increment,increment\n34,Spain,6.0000,,1,1\n' >"$D/deck.csv"
  "$BIN" rates import --plan default "$D/deck.csv" --config "$CFG" >"$D/import.out" 2>"$D/import.err" ||
    fail "tarifador rates import exited non-zero: $(cat "$D/import.err")"
  ADMIN_TOKEN=$("$BIN" token create "it-admin-$SITE" --role admin --config "$CFG" 2>"$D/token.err") ||
    fail "tarifador token create exited non-zero: $(cat "$D/token.err")"
  [[ -n "$ADMIN_TOKEN" ]] || fail "tarifador token create printed no token"
}

# serve_start [FS_PORT]: starts `tarifador serve` (pointed at FS_PORT through
# TARIFADOR_FREESWITCH_PORT when given), reads the HTTP port it took from its
# log (http.listen is port 0) into HTTP_PORT and BASE, and waits for /healthz.
# Sets SERVE_PID.
serve_start() {
  SERVE_RUNS=$((SERVE_RUNS + 1))
  local log="$D/serve$SERVE_RUNS.log"
  if [[ -n "${1:-}" ]]; then
    TARIFADOR_FREESWITCH_PORT=$1 "$BIN" serve --config "$CFG" >"$D/serve$SERVE_RUNS.out" 2>"$log" &
  else
    "$BIN" serve --config "$CFG" >"$D/serve$SERVE_RUNS.out" 2>"$log" &
  fi
  SERVE_PID=$!
  echo "$SERVE_PID" >>"$D/pids"
  local port=""
  for _ in $(seq 1 150); do
    if [[ -z "$port" ]]; then
      # The log may not exist yet: the shell that starts serve creates it.
      port=$(sed -nE 's/.*http: listening on 127\.0\.0\.1:0 \(port ([0-9]+)\).*/\1/p' "$log" 2>/dev/null | head -1 || true)
      if [[ -n "$port" ]]; then
        HTTP_PORT=$port
        BASE="http://127.0.0.1:$HTTP_PORT"
        echo "$HTTP_PORT" >"$D/http_port"  # for scripts that switch between sites
      fi
    fi
    if [[ -n "$port" ]] && curl -fsS "$BASE/healthz" >/dev/null 2>&1; then return 0; fi
    kill -0 "$SERVE_PID" 2>/dev/null || fail "tarifador serve exited at start (log $log)"
    sleep 0.1
  done
  fail "tarifador serve did not answer /healthz within 15 s (log $log)"
}

# serve_stop: SIGTERM, expects exit status 0 within 10 s.
serve_stop() {
  kill -TERM "$SERVE_PID" 2>/dev/null || fail "tarifador serve (pid $SERVE_PID) was not running at stop"
  for _ in $(seq 1 100); do
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$SERVE_PID" 2>/dev/null && fail "tarifador serve still running 10 s after SIGTERM"
  local status=0
  wait "$SERVE_PID" || status=$?
  [[ "$status" == 0 ]] || fail "tarifador serve exited with status $status after SIGTERM"
}

# api METHOD PATH [JSON]: an admin request; sets HTTP_CODE, the body is in $D/body.
api() {
  local args=(-sS -o "$D/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $ADMIN_TOKEN")
  if [[ $# -ge 3 ]]; then args+=(-H 'Content-Type: application/json' --data-binary "$3"); fi
  HTTP_CODE=$(curl "${args[@]}" "$BASE$2") || fail "curl $1 $2 failed"
}

# jget FILE KEY...: prints a field of a JSON file (nested keys; list indexes as numbers).
jget() {
  python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d if not isinstance(d, (dict, list)) else json.dumps(d))
PY
}

# create_account NAME TYPE: sets ACCOUNT_ID.
create_account() {
  api POST /api/v1/accounts "{\"name\":\"$1\",\"type\":\"$2\"}"
  [[ "$HTTP_CODE" == 201 ]] || fail "POST /api/v1/accounts answered $HTTP_CODE: $(cat "$D/body")"
  ACCOUNT_ID=$(jget "$D/body" id)
}

# recharge ACCOUNT_ID AMOUNT
recharge() {
  api POST "/api/v1/accounts/$1/recharges" "{\"amount\":\"$2\",\"note\":\"integration test\"}"
  [[ "$HTTP_CODE" == 201 ]] || fail "POST /api/v1/accounts/$1/recharges answered $HTTP_CODE: $(cat "$D/body")"
}

# create_extension NUMBER ACCOUNT_ID
create_extension() {
  api POST /api/v1/extensions "{\"number\":\"$1\",\"name\":\"Ext $1\",\"account_id\":$2}"
  [[ "$HTTP_CODE" == 201 ]] || fail "POST /api/v1/extensions ($1) answered $HTTP_CODE: $(cat "$D/body")"
}

# account_balance ACCOUNT_ID: sets BALANCE and RESERVED (micro-units) from the HTTP API.
account_balance() {
  api GET "/api/v1/accounts/$1"
  [[ "$HTTP_CODE" == 200 ]] || fail "GET /api/v1/accounts/$1 answered $HTTP_CODE: $(cat "$D/body")"
  BALANCE=$(python3 -c 'import json,sys; from decimal import Decimal as M; d=json.load(open(sys.argv[1])); print(int(M(d["balance"])*1000000))' "$D/body")
  RESERVED=$(python3 -c 'import json,sys; from decimal import Decimal as M; d=json.load(open(sys.argv[1])); print(int(M(d["reserved"])*1000000))' "$D/body")
}

# sim_start ARGS...: starts tarifador-sim on a free port at time scale 1,
# placing no call until a client subscribes. Sets SIM_PID and SIM_PORT.
sim_start() {
  : >"$D/sim.log"  # exists before the background job opens it: polled below
  "$SIM" --listen 127.0.0.1:0 --time-scale 1 --heartbeat 5 --wait-for-subscriber "$@" >"$D/sim.out" 2>"$D/sim.log" &
  SIM_PID=$!
  echo "$SIM_PID" >>"$D/pids"
  SIM_PORT=""
  for _ in $(seq 1 100); do
    SIM_PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\),.*/\1/p' "$D/sim.log" 2>/dev/null || true)
    [[ -n "$SIM_PORT" ]] && return 0
    kill -0 "$SIM_PID" 2>/dev/null || fail "tarifador-sim exited at start: $(cat "$D/sim.log")"
    sleep 0.1
  done
  fail "tarifador-sim printed no port within 10 s"
}

# sim_wait SECONDS: waits for the sim to exit by itself (status 0); its JSON
# summary is then in $D/sim.out.
sim_wait() {
  for _ in $(seq 1 $(($1 * 10))); do
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$SIM_PID" 2>/dev/null && fail "tarifador-sim still running after $1 s"
  local status=0
  wait "$SIM_PID" || status=$?
  [[ "$status" == 0 ]] || fail "tarifador-sim exited with status $status"
  grep -q '"calls_placed"' "$D/sim.out" || fail "tarifador-sim printed no summary: $(cat "$D/sim.out")"
}

# sql QUERY: one query on the store (read-only use), output on stdout.
sql() { sqlite3 -batch -noheader -cmd '.timeout 5000' "$DB" "$1"; }

# wait_sql QUERY EXPECTED SECONDS: polls until QUERY prints EXPECTED.
wait_sql() {
  local got=""
  for _ in $(seq 1 $(($3 * 10))); do
    got=$(sql "$1" 2>/dev/null || true)
    [[ "$got" == "$2" ]] && return 0
    sleep 0.1
  done
  fail "waited $3 s for \`$1\` to give '$2'; it gives '$got'"
}

# metric NAME: sets METRIC to the value of an unlabelled metric on /metrics.
metric() {
  METRIC=$(curl -fsS "$BASE/metrics" | awk -v n="$1" '$1 == n { print $2 }') || fail "GET /metrics failed"
  [[ -n "$METRIC" ]] || fail "/metrics has no $1"
}

# wait_metric_at_least NAME MIN SECONDS
wait_metric_at_least() {
  for _ in $(seq 1 $(($3 * 10))); do
    metric "$1"
    [[ "${METRIC%.*}" -ge "$2" ]] && return 0
    sleep 0.1
  done
  fail "$1 is $METRIC after $3 s, expected >= $2"
}

# sim_api COMMAND...: runs `api COMMAND` on the sim over a second event-socket
# connection (as fs_cli would) and sets SIM_API to the reply body. The test
# then ends a call when it wants, instead of racing a scripted talk time.
sim_api() {
  SIM_API=$(python3 - "$SIM_PORT" "$*" <<'PY'
import socket, sys
port, command = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
buf = b""
def frame():
    global buf
    while b"\n\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("the sim closed the connection")
        buf += chunk
    head, buf = buf.split(b"\n\n", 1)
    headers = dict(line.split(": ", 1) for line in head.decode().split("\n") if ": " in line)
    length = int(headers.get("Content-Length", "0"))
    while len(buf) < length:
        buf += s.recv(65536)
    body, buf = buf[:length], buf[length:]
    return headers, body.decode()
frame()  # auth/request
s.sendall(b"auth ClueCon\n\n")
headers, _ = frame()
if headers.get("Reply-Text") != "+OK accepted":
    raise SystemExit("auth refused: %r" % headers)
s.sendall(("api %s\n\n" % command).encode())
while True:
    headers, body = frame()
    if headers.get("Content-Type") == "api/response":
        print(body, end="")
        break
PY
  ) || fail "api $* on the sim failed"
}

# wait_reserved ACCOUNT_ID SECONDS: until the account holds money for a call
# (a call is up and tracked); sets RESERVED.
wait_reserved() {
  for _ in $(seq 1 $(($2 * 10))); do
    account_balance "$1"
    [[ "$RESERVED" -gt 0 ]] && return 0
    sleep 0.1
  done
  fail "account $1 held no money for a call within $2 s"
}

# wait_file PATH SECONDS: until PATH exists (a CDR file the sim writes).
wait_file() {
  for _ in $(seq 1 $(($2 * 10))); do
    [[ -f "$1" ]] && return 0
    sleep 0.1
  done
  fail "$1 did not appear within $2 s"
}

# wait_metric_equals NAME VALUE SECONDS
wait_metric_equals() {
  for _ in $(seq 1 $(($3 * 10))); do
    metric "$1"
    [[ "${METRIC%.*}" == "$2" ]] && return 0
    sleep 0.1
  done
  fail "$1 is $METRIC after $3 s, expected $2"
}

# store_check: `tarifador check` must exit 0.
store_check() {
  "$BIN" check --config "$CFG" >"$D/check.out" 2>&1 || fail "tarifador check exited non-zero: $(cat "$D/check.out")"
}

# ledger_consistent ACCOUNT_ID RECHARGED_MICROS: the account's balance (store
# and API agree) is >= 0, no ledger row ever left it below zero, nothing is
# reserved, and the CDRs' charged sum is exactly what left the balance, one
# call_charge per charged call.
ledger_consistent() {
  local id=$1 recharged=$2
  local balance reserved below charged charges charged_calls dup_charges
  balance=$(sql "SELECT balance_micros FROM accounts WHERE id = $id")
  reserved=$(sql "SELECT reserved_micros FROM accounts WHERE id = $id")
  below=$(sql "SELECT count(*) FROM ledger WHERE account_id = $id AND balance_after_micros < 0")
  charged=$(sql "SELECT coalesce(sum(charged_micros), 0) FROM cdrs WHERE account_id = $id")
  charges=$(sql "SELECT count(*) FROM ledger WHERE account_id = $id AND kind = 'call_charge'")
  charged_calls=$(sql "SELECT count(*) FROM cdrs WHERE account_id = $id AND charged_micros > 0")
  dup_charges=$(sql "SELECT count(*) FROM (SELECT call_uuid FROM ledger WHERE kind = 'call_charge' GROUP BY call_uuid HAVING count(*) > 1)")
  account_balance "$id"
  [[ "$BALANCE" == "$balance" ]] || fail "account $id: API balance $BALANCE, store $balance"
  [[ "$balance" -ge 0 ]] || fail "account $id: prepaid balance $balance is below zero"
  [[ "$below" == 0 ]] || fail "account $id: $below ledger rows left the balance below zero"
  [[ "$reserved" == 0 ]] || fail "account $id: $reserved still reserved after every call ended"
  [[ "$charged" == $((recharged - balance)) ]] ||
    fail "account $id: CDRs charged $charged but recharge - balance = $((recharged - balance))"
  [[ "$charges" == "$charged_calls" ]] || fail "account $id: $charges call_charge rows for $charged_calls charged calls"
  [[ "$dup_charges" == 0 ]] || fail "$dup_charges calls have more than one call_charge row"
}
