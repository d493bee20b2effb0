#!/usr/bin/env bash
# Runs the real `tarifador serve` on 127.0.0.1 with a temp data dir and a
# config file, creates API tokens with `tarifador token create` and imports a
# rate deck with `tarifador rates import`, checks the probes, metrics,
# authentication, quotes and an import over HTTP, then stops it with SIGTERM
# and expects exit status 0 within a few seconds.
# A tarifador-sim stands in for FreeSWITCH: /readyz needs the ESL link up.
# Usage: serve_http_test.sh path/to/tarifador path/to/tarifador-sim
set -euo pipefail

BIN=${1:?usage: $0 path/to/tarifador path/to/tarifador-sim}
SIM=${2:?usage: $0 path/to/tarifador path/to/tarifador-sim}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarifador-it-XXXXXX")
SERVER_PID=""
SIM_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  if [[ -n "$SIM_PID" ]] && kill -0 "$SIM_PID" 2>/dev/null; then kill -KILL "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- server log ---" >&2
  cat "$WORK/serve.log" >&2 || true
  exit 1
}

# A free port: bind port 0 on loopback and read what the kernel chose.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
PORT=$(free_port)
ESL_PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"

# The fake FreeSWITCH, placing no call while the test runs (its one call is
# an hour away).
echo '{"at": 3600, "kind": "internal", "destination": "1002"}' >"$WORK/no-calls.jsonl"
"$SIM" --listen "127.0.0.1:$ESL_PORT" --password it-secret --scenario "$WORK/no-calls.jsonl" \
  >"$WORK/sim.out" 2>"$WORK/sim.log" &
SIM_PID=$!

cat > "$WORK/tarifador.json" <<JSON
{
  // comments are allowed in tarifador's config
  "data_dir": "$WORK/data",
  "site_id": "it-test",
  "http": { "listen": "127.0.0.1:$PORT" },
  "freeswitch": { "host": "127.0.0.1", "port": $ESL_PORT, "password": "it-secret" },
  "rating": { "default_plan": "retail", "outside_line_code": "9", "national_prefix": "0", "country_code": "44" }
}
JSON

cat > "$WORK/deck.csv" <<'CSV'
prefix,zone,price_per_minute,connection_fee,initial_increment,increment
44,UK Fixed,0.0200,,60,60
447,UK Mobile,0.1200,0.05,30,6
CSV
"$BIN" rates import --plan retail "$WORK/deck.csv" --config "$WORK/tarifador.json" >"$WORK/import.out" 2>"$WORK/import.err" \
  || { cat "$WORK/import.err" >&2; fail "rates import exited non-zero"; }
grep -q '"rates":2' "$WORK/import.out" || fail "rates import printed: $(cat "$WORK/import.out")"

TOKEN=$("$BIN" token create it-bot --role viewer --config "$WORK/tarifador.json" 2>"$WORK/token.err") \
  || { cat "$WORK/token.err" >&2; fail "token create exited non-zero"; }
[[ "$TOKEN" =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "token create printed '$TOKEN', not just a token"
ADMIN_TOKEN=$("$BIN" token create it-admin --role admin --config "$WORK/tarifador.json" 2>"$WORK/token.err") \
  || { cat "$WORK/token.err" >&2; fail "token create (admin) exited non-zero"; }

"$BIN" serve --config "$WORK/tarifador.json" >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER_PID=$!

# Wait for the port (poll with a deadline; there is nothing to await).
for _ in $(seq 1 100); do
  if curl -fsS "$BASE/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || fail "serve exited early"
  sleep 0.1
done

# status code + body of a request: "CODE BODY"
req() { curl -sS -o "$WORK/body" -w '%{http_code}' "$@"; }

code=$(req "$BASE/healthz") || fail "GET /healthz failed"
[[ "$code" == 200 ]] || fail "/healthz answered $code"
grep -q '"status":"ok"' "$WORK/body" || fail "/healthz body: $(cat "$WORK/body")"
grep -q '"freeswitch":{' "$WORK/body" || fail "/healthz does not show the FreeSWITCH link: $(cat "$WORK/body")"

# Ready once the ESL link is up (it connects in the background).
for _ in $(seq 1 100); do
  code=$(req "$BASE/readyz")
  [[ "$code" == 200 ]] && break
  sleep 0.1
done
[[ "$code" == 200 ]] || fail "/readyz answered $code: $(cat "$WORK/body")"
grep -q '"name":"freeswitch","ok":true' "$WORK/body" || fail "/readyz has no freeswitch check: $(cat "$WORK/body")"

code=$(req -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/status")
[[ "$code" == 200 ]] || fail "bearer GET /api/v1/status answered $code: $(cat "$WORK/body")"
grep -q '"schema_version"' "$WORK/body" || fail "status body: $(cat "$WORK/body")"
# HTTPS as installed (ctest sets TARIFADOR_HTTP_TLS_LISTEN to a free port):
# the status names its port and the fingerprint of the certificate it
# generated, and that is the certificate the port serves.
https_check=$(python3 - "$WORK/body" <<'PY'
import hashlib, json, ssl, sys
https = json.load(open(sys.argv[1]))["https"]
if https is None:
    print("no https object in the status"); sys.exit(0)
pem = ssl.get_server_certificate(("127.0.0.1", https["port"]))
d = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
served = ":".join(d[i:i + 2] for i in range(0, len(d), 2))
print("ok" if served == https["fingerprint_sha256"] and https["certificate"].startswith("self-signed")
      else f"status says {https}, the port serves {served}")
PY
)
[[ "$https_check" == ok ]] || fail "HTTPS: $https_check"

code=$(req -H "Authorization: Bearer not-a-token" "$BASE/api/v1/status")
[[ "$code" == 401 ]] || fail "bad token answered $code"
grep -q '^{"error":"' "$WORK/body" || fail "401 body is not a JSON error: $(cat "$WORK/body")"

code=$(req "$BASE/api/v1/status")
[[ "$code" == 401 ]] || fail "missing token answered $code"

code=$(req -u "freeswitch:$TOKEN" "$BASE/api/v1/session")
[[ "$code" == 200 ]] || fail "Basic with a token answered $code"

# Quotes: docs/RATING.md's worked example (95 s on 30/6 bills 96 s:
# 0.05 + 0.12 * 96 / 60 = 0.2420), dialled as "+44 ..." and as a UK office
# employee would ("9", then the national number), with the default plan.
AT=2026-01-31T10:00:00Z
code=$(req -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/quote?plan=retail&number=%2B447700900123&seconds=95&at=$AT")
[[ "$code" == 200 ]] || fail "GET /api/v1/quote answered $code: $(cat "$WORK/body")"
grep -q '"cost":"0.2420"' "$WORK/body" || fail "quote body: $(cat "$WORK/body")"
grep -q '"billable_seconds":96' "$WORK/body" || fail "quote body: $(cat "$WORK/body")"
code=$(req -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/quote?number=9%2007700%20900123&seconds=95&at=$AT")
[[ "$code" == 200 ]] || fail "quote with the dial plan answered $code: $(cat "$WORK/body")"
grep -q '"normalised_number":"447700900123"' "$WORK/body" || fail "quote body: $(cat "$WORK/body")"
grep -q '"cost":"0.2420"' "$WORK/body" || fail "quote body: $(cat "$WORK/body")"
# The CLI prints the same quote.
"$BIN" quote --plan retail +447700900123 95 --at "$AT" --config "$WORK/tarifador.json" 2>/dev/null \
  | grep -q '"cost": "0.2420"' || fail "tarifador quote disagrees"
code=$(req -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/quote?number=%2B447700900123&seconds=abc")
[[ "$code" == 400 ]] || fail "seconds=abc answered $code"

# An import over HTTP is quoted at once; a viewer may not import.
printf 'prefix,zone,price_per_minute,connection_fee,initial_increment,increment\n447,UK Mobile,0.0600,0.05,30,6\n' \
  >"$WORK/cheaper.csv"
code=$(req -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' --data-binary @"$WORK/cheaper.csv" \
  "$BASE/api/v1/rate-plans/retail/import")
[[ "$code" == 403 ]] || fail "viewer import answered $code"
code=$(req -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: text/csv' --data-binary @"$WORK/cheaper.csv" \
  "$BASE/api/v1/rate-plans/retail/import")
[[ "$code" == 200 ]] || fail "admin import answered $code: $(cat "$WORK/body")"
grep -q '"rates":1' "$WORK/body" || fail "import body: $(cat "$WORK/body")"
code=$(req -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/quote?number=%2B447700900123&seconds=95&at=$AT")
[[ "$code" == 200 ]] || fail "quote after import answered $code"
grep -q '"cost":"0.1460"' "$WORK/body" || fail "quote after import: $(cat "$WORK/body")"

code=$(req "$BASE/metrics")
[[ "$code" == 200 ]] || fail "/metrics answered $code"
grep -q '^tarifador_build_info{version="[^"]*",revision="[^"]*"} 1$' "$WORK/body" || fail "no build info in /metrics"
grep -q '^tarifador_http_requests_total{method="GET",route="/healthz",code="2xx"} [1-9]' "$WORK/body" \
  || fail "/metrics did not count /healthz"
grep -q '^tarifador_http_requests_total{method="GET",route="/api/v1/status",code="4xx"} 2$' "$WORK/body" \
  || fail "/metrics did not count the two 401s"
grep -q '^tarifador_rate_plans 1$' "$WORK/body" || fail "no tarifador_rate_plans 1 in /metrics"

kill -TERM "$SERVER_PID"
for _ in $(seq 1 50); do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$SERVER_PID" 2>/dev/null && fail "serve still running 5 s after SIGTERM"
status=0
wait "$SERVER_PID" || status=$?
SERVER_PID=""
[[ "$status" == 0 ]] || fail "serve exited with $status after SIGTERM"

echo "PASS: serve_http ($BASE)"
