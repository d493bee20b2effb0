#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the mirror's tests and benchmark: Debian's
# initdb + pg_ctl in a fresh directory, listening on a free loopback port and
# on a socket in that directory, trust authentication, superuser "tarifador".
#
#   pg_cluster.sh start [--durable]  prints "DIR PORT" (fsync off unless --durable)
#   pg_cluster.sh stop DIR           stops the server, keeps the data (fast shutdown)
#   pg_cluster.sh restart DIR        starts a stopped cluster again on its port
#   pg_cluster.sh destroy DIR        stops it if running and removes DIR
#   pg_cluster.sh bindir             prints the directory holding initdb
# Exit 77 (the usual "skipped" code) with a message when the PostgreSQL server
# binaries are not installed. initdb refuses to run as root: as root, the
# server runs as user "postgres" (or "nobody") and DIR is chowned to it.
# Connect with: host=127.0.0.1 port=PORT user=tarifador dbname=postgres
set -euo pipefail

bindir() {
  local d
  if [[ -n "${TARIFADOR_PG_BINDIR:-}" && -x "$TARIFADOR_PG_BINDIR/initdb" ]]; then
    echo "$TARIFADOR_PG_BINDIR"
    return 0
  fi
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
      echo "$d"
      return 0
    fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

BIN=$(bindir) || {
  echo "PostgreSQL server binaries (initdb, pg_ctl) not found: install the postgresql package" >&2
  exit 77
}

# Runs "$@" as the cluster's owner.
as_owner() {
  if [[ $(id -u) -ne 0 ]]; then
    "$@"
  elif command -v runuser >/dev/null; then
    runuser -u "$OWNER" -- "$@"
  else
    setpriv --reuid="$OWNER" --regid="$(id -g "$OWNER")" --clear-groups -- "$@"
  fi
}

owner() {
  if [[ $(id -u) -ne 0 ]]; then
    id -un
  elif id postgres >/dev/null 2>&1; then
    echo postgres
  else
    echo nobody
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
    echo $((20000 + RANDOM % 30000))
}

pg_start_server() {
  local dir=$1 port
  port=$(cat "$dir/port")
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null || {
    echo "pg_cluster: pg_ctl start failed; server log:" >&2
    tail -n 30 "$dir/server.log" >&2 || true
    exit 1
  }
}

OWNER=$(owner)
cmd=${1:-}
case "$cmd" in
  start)
    # Outside the caller's temp dirs: those are often mode 700 and root's, and
    # the server runs as another user.
    dir=$(mktemp -d "${TMPDIR:-/tmp}/tarifador-pg.XXXXXX")
    chmod 755 "$dir"
    [[ $(id -u) -eq 0 ]] && chown "$OWNER" "$dir"
    free_port >"$dir/port"
    as_owner "$BIN/initdb" -D "$dir/data" -U tarifador --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      echo "pg_cluster: initdb failed:" >&2
      cat "$dir/initdb.log" >&2
      exit 1
    }
    {
      echo "max_connections = 50"
      echo "shared_buffers = 32MB"
      if [[ "${2:-}" != "--durable" ]]; then
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
      fi
    } >>"$dir/data/postgresql.conf"
    pg_start_server "$dir"
    echo "$dir $(cat "$dir/port")"
    ;;
  stop)
    as_owner "$BIN/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null
    ;;
  restart)
    pg_start_server "$2"
    ;;
  destroy)
    [[ -n "${2:-}" && -d "$2" ]] || exit 0
    as_owner "$BIN/pg_ctl" -D "$2/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$2"
    ;;
  bindir)
    echo "$BIN"
    ;;
  *)
    echo "usage: pg_cluster.sh start [--durable] | stop DIR | restart DIR | destroy DIR | bindir" >&2
    exit 2
    ;;
esac
