#!/usr/bin/env bash
# Runs `tarifador demo` as a newcomer would (on a free loopback port), reads
# the admin credentials it prints, quotes a London number with the sample
# deck over HTTP with the printed token, logs in as the printed admin, then
# stops it with SIGTERM: exit 0 and its throw-away data dir removed.
# Usage: demo_test.sh path/to/tarifador
set -euo pipefail

BIN=${1:?usage: $0 path/to/tarifador}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarifador-demo-it-XXXXXX")
PID=""
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- demo stderr ---" >&2
  cat "$WORK/demo.err" >&2 || true
  exit 1
}
field() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$WORK/demo.out" "$1"; }

"$BIN" demo --listen 127.0.0.1:0 --cps 4 >"$WORK/demo.out" 2>"$WORK/demo.err" &
PID=$!
for _ in $(seq 1 100); do
  [[ -s "$WORK/demo.out" ]] && break
  kill -0 "$PID" 2>/dev/null || fail "demo exited early"
  sleep 0.1
done
[[ -s "$WORK/demo.out" ]] || fail "demo printed nothing on stdout"
URL=$(field url)
TOKEN=$(field token)
PASSWORD=$(field password)
DATA_DIR=$(field data_dir)
[[ -d "$DATA_DIR" ]] || fail "data dir $DATA_DIR does not exist while the demo runs"
grep -q "Open the web UI at $URL/" "$WORK/demo.err" || fail "the demo does not point at the web UI"
# The web UI is served at / (docs/WEB-UI.md).
curl -sS "$URL/" | grep -q '<script type="module" src="/js/app.js">' || fail "GET / is not the web UI"

# 442079460958: longest prefix 4420 (London, 0.0180/min, 30/6). 95 s bill as
# 30 + ceil(65/6)*6 = 96 s; 0.0180 * 96 / 60 = 0.0288.
curl -sS -o "$WORK/quote" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
  "$URL/api/v1/quote?plan=default&number=442079460958&seconds=95" >"$WORK/code" || fail "quote request failed"
[[ $(cat "$WORK/code") == 200 ]] || fail "quote answered $(cat "$WORK/code"): $(cat "$WORK/quote")"
python3 - "$WORK/quote" <<'PY' || fail "quote body: $(cat "$WORK/quote")"
import json, sys
q = json.load(open(sys.argv[1]))
assert q["prefix"] == "4420", q
assert q["billable_seconds"] == 96, q
assert q["cost"] == "0.0288", q
PY

code=$(curl -sS -o "$WORK/login" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" "$URL/api/v1/session")
[[ "$code" == 200 ]] || fail "admin login with the printed password answered $code: $(cat "$WORK/login")"

# The built-in simulated FreeSWITCH places calls and tarifador bills them:
# within a few seconds some call is live or has a CDR (calls talk >= 5 s).
seen=""
for _ in $(seq 1 100); do
  curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/calls/active" >"$WORK/active" 2>/dev/null || true
  if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["count"] > 0 else 1)' "$WORK/active" \
    2>/dev/null; then
    seen=1
    break
  fi
  sleep 0.1
done
[[ -n "$seen" ]] || fail "no live call seen in the demo: $(cat "$WORK/active")"
curl -fsS "$URL/readyz" >/dev/null || fail "the demo is not ready (FreeSWITCH link, store, rate plans)"

# A second demo on the port the first one holds: refused, with the way out.
HOSTPORT=${URL#http://}
if "$BIN" demo --listen "$HOSTPORT" >"$WORK/demo2.out" 2>"$WORK/demo2.err"; then
  fail "a second demo on $HOSTPORT started"
fi
grep -q "cannot listen on $HOSTPORT" "$WORK/demo2.err" || fail "second demo: $(cat "$WORK/demo2.err")"
grep -q -- "--listen" "$WORK/demo2.err" || fail "second demo gives no hint of --listen: $(cat "$WORK/demo2.err")"
# Without --listen the demo stays on loopback (it prints its admin password).
usage=$("$BIN" demo --help 2>&1 || true)
grep -q "default 127.0.0.1:8080" <<<"$usage" || fail "demo usage does not state its loopback default: $usage"

kill -TERM "$PID"
for _ in $(seq 1 50); do
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$PID" 2>/dev/null && fail "demo still running 5 s after SIGTERM"
wait "$PID" && status=0 || status=$?
PID=""
[[ "$status" == 0 ]] || fail "demo exited with $status after SIGTERM"
[[ ! -e "$DATA_DIR" ]] || fail "demo left its data dir $DATA_DIR behind"
echo "demo: ok"
