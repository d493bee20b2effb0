#!/usr/bin/env bash
# Runs the real `tarifador serve` on 127.0.0.1 with a temp data dir and a
# config file, creates an API token with `tarifador token create`, checks the
# probes, metrics and authentication over HTTP, then stops it with SIGTERM and
# expects exit status 0 within a few seconds.
# Usage: serve_http_test.sh path/to/tarifador
set -euo pipefail

BIN=${1:?usage: $0 path/to/tarifador}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarifador-it-XXXXXX")
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
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
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"

cat > "$WORK/tarifador.json" <<JSON
{
  // comments are allowed in tarifador's config
  "data_dir": "$WORK/data",
  "site_id": "it-test",
  "http": { "listen": "127.0.0.1:$PORT" }
}
JSON

TOKEN=$("$BIN" token create it-bot --role viewer --config "$WORK/tarifador.json" 2>"$WORK/token.err") \
  || { cat "$WORK/token.err" >&2; fail "token create exited non-zero"; }
[[ "$TOKEN" =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "token create printed '$TOKEN', not just a token"

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

code=$(req "$BASE/readyz")
[[ "$code" == 200 ]] || fail "/readyz answered $code: $(cat "$WORK/body")"

code=$(req -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/status")
[[ "$code" == 200 ]] || fail "bearer GET /api/v1/status answered $code: $(cat "$WORK/body")"
grep -q '"schema_version"' "$WORK/body" || fail "status body: $(cat "$WORK/body")"

code=$(req -H "Authorization: Bearer not-a-token" "$BASE/api/v1/status")
[[ "$code" == 401 ]] || fail "bad token answered $code"
grep -q '^{"error":"' "$WORK/body" || fail "401 body is not a JSON error: $(cat "$WORK/body")"

code=$(req "$BASE/api/v1/status")
[[ "$code" == 401 ]] || fail "missing token answered $code"

code=$(req -u "freeswitch:$TOKEN" "$BASE/api/v1/session")
[[ "$code" == 200 ]] || fail "Basic with a token answered $code"

code=$(req "$BASE/metrics")
[[ "$code" == 200 ]] || fail "/metrics answered $code"
grep -q '^tarifador_build_info{version="[^"]*",revision="[^"]*"} 1$' "$WORK/body" || fail "no build info in /metrics"
grep -q '^tarifador_http_requests_total{method="GET",route="/healthz",code="2xx"} [1-9]' "$WORK/body" \
  || fail "/metrics did not count /healthz"
grep -q '^tarifador_http_requests_total{method="GET",route="/api/v1/status",code="4xx"} 2$' "$WORK/body" \
  || fail "/metrics did not count the two 401s"

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
