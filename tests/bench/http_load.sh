#!/usr/bin/env bash
# HTTP keep-alive throughput of GET /healthz with wrk, for the "HTTP server"
# section of docs/PERFORMANCE.md. CONNECTIONS must stay within
# http.max_connections_per_address (32): wrk's connections all come from
# 127.0.0.1, and the ones past the limit are closed at accept.
# Usage: tests/bench/http_load.sh [path/to/tarifador] [seconds] [connections]
set -euo pipefail

BIN=${1:-build/tarifador}
SECS=${2:-10}
CONNS=${3:-16}
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarifador-bench-XXXXXX")
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cat > "$WORK/tarifador.json" <<JSON
{ "data_dir": "$WORK/data", "log_level": "warning", "http": { "listen": "127.0.0.1:$PORT", "tls_listen": "" } }
JSON

run() {  # run LABEL
  local label=$1
  shift
  "$BIN" serve --config "$WORK/tarifador.json" "$@" 2>"$WORK/serve.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "== $label: wrk -t2 -c$CONNS -d${SECS}s http://127.0.0.1:$PORT/healthz"
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$PORT/healthz"
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=""
}

run "libmicrohttpd, a thread per connection"
