#!/usr/bin/env bash
# Tests packaging/openwrt/files/uci2json.sh, the UCI-to-JSON mapping of the
# OpenWrt package, against the real binary:
#  1. every default of `tarifador config show`, written as `uci show` text,
#     maps back to the same JSON (the script reads each key's type from the
#     binary, so every setting of src/config/settings_table.cpp keeps its type);
#  2. the shipped UCI defaults (files/tarifador.config) map to a config that
#     `tarifador config show` accepts;
#  3. quotes, backslashes and double quotes in a value survive;
#  4. bad input (a list, a bad number or boolean, a stray line) fails with a
#     message and prints nothing.
# Usage: uci2json_test.sh path/to/tarifador   (needs python3; runs the script with sh)
set -euo pipefail

BIN=${1:?usage: $0 path/to/tarifador}
HERE=$(cd "$(dirname "$0")" && pwd)
U2J="$HERE/../../packaging/openwrt/files/uci2json.sh"
UCI_DEFAULTS="$HERE/../../packaging/openwrt/files/tarifador.config"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarifador-uci-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# 1. The defaults round trip. env -i: no TARIFADOR_* variable may leak in.
env -i "$BIN" config show >"$WORK/defaults.json"
python3 - "$WORK/defaults.json" >"$WORK/defaults.uci" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
def q(v):
    if isinstance(v, bool): v = "1" if v else "0"
    return "'" + str(v).replace("'", "'\\''") + "'"
print("tarifador.main=tarifador")
print("tarifador.main.enabled='1'")
for k, v in cfg.items():
    if not isinstance(v, dict): print(f"tarifador.main.{k}={q(v)}")
for sec, opts in cfg.items():
    if isinstance(opts, dict):
        print(f"tarifador.{sec}={sec}")
        for k, v in opts.items(): print(f"tarifador.{sec}.{k}={q(v)}")
PY
sh "$U2J" "$BIN" <"$WORK/defaults.uci" >"$WORK/roundtrip.json" || fail "uci2json rejected the defaults"
python3 - "$WORK/defaults.json" "$WORK/roundtrip.json" <<'PY' || fail "the defaults did not round-trip"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
if a != b:
    for sec in sorted(set(a) | set(b)):
        if a.get(sec) != b.get(sec): print(f"  {sec}: config show {a.get(sec)!r} != uci2json {b.get(sec)!r}", file=sys.stderr)
    sys.exit(1)
PY
echo "ok: $(grep -c "=" "$WORK/defaults.uci") uci lines round-trip to the defaults"

# 2. The shipped UCI file, as `uci show` would print it, is a valid config.
python3 - "$UCI_DEFAULTS" >"$WORK/shipped.uci" <<'PY'
import shlex, sys
sec = None
for line in open(sys.argv[1]):
    words = shlex.split(line, comments=True)
    if not words: continue
    if words[0] == "config":
        sec = words[2]
        print(f"tarifador.{sec}={words[1]}")
    elif words[0] == "option":
        print(f"tarifador.{sec}.{words[1]}='" + words[2].replace("'", "'\\''") + "'")
    else:
        sys.exit(f"unexpected line in {sys.argv[1]}: {line!r}")
PY
sh "$U2J" "$BIN" <"$WORK/shipped.uci" >"$WORK/shipped.json" || fail "uci2json rejected files/tarifador.config"
env -i "$BIN" config show --config "$WORK/shipped.json" >"$WORK/shipped.effective.json" ||
  fail "tarifador rejected the JSON of files/tarifador.config: $(cat "$WORK/shipped.json")"
python3 - "$WORK/shipped.effective.json" <<'PY' || fail "shipped UCI values not carried over"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["data_dir"] == "/srv/tarifador", c["data_dir"]
assert c["freeswitch"]["port"] == 8021 and c["billing"]["debit_interval"] == 60, c
assert c["postgres"]["enabled"] is False, c["postgres"]
PY
echo "ok: files/tarifador.config maps to a config tarifador accepts"

# 3. Quoting: uci show writes ' as '\'' inside a value.
cat >"$WORK/quotes.uci" <<'UCI'
tarifador.fs=freeswitch
tarifador.fs.password='it'\''s a "pass" \ word'
tarifador.fs.port='08021'
tarifador.pg=postgres
tarifador.pg.enabled='yes'
tarifador.pg.conninfo='host=10.8.0.1 dbname=hq'
UCI
sh "$U2J" "$BIN" <"$WORK/quotes.uci" >"$WORK/quotes.json" || fail "uci2json rejected quoted values"
python3 - "$WORK/quotes.json" <<'PY' || fail "quoted values changed: $(cat "$WORK/quotes.json")"
import json, sys
c = json.load(open(sys.argv[1]))
assert c == {"freeswitch": {"password": "it's a \"pass\" \\ word", "port": 8021},
             "postgres": {"enabled": True, "conninfo": "host=10.8.0.1 dbname=hq"}}, c
PY
env -i "$BIN" config show --config "$WORK/quotes.json" >/dev/null || fail "tarifador rejected the quoted config"
echo "ok: quotes, backslashes and numbers with leading zeros"

# 4. Bad input: exit 1, a message naming the line, nothing on stdout.
expect_reject() {  # expect_reject NAME EXPECTED_MESSAGE_PART UCI_TEXT
  local rc=0
  printf '%s\n' "$3" | sh "$U2J" "$BIN" >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
  [ "$rc" = 1 ] || fail "$1: exit $rc, want 1"
  [ ! -s "$WORK/bad.out" ] || fail "$1: printed $(cat "$WORK/bad.out")"
  grep -q -- "$2" "$WORK/bad.err" || fail "$1: message $(cat "$WORK/bad.err") lacks \"$2\""
}
expect_reject list "is a list" "tarifador.http=http
tarifador.http.listen='a:1' 'b:2'"
expect_reject integer "expected a whole number" "tarifador.billing=billing
tarifador.billing.debit_interval='60s'"
expect_reject boolean "expected 1/0" "tarifador.postgres=postgres
tarifador.postgres.enabled='maybe'"
expect_reject stray "not a \`uci show\` line" "hello"
expect_reject untyped "section whose type is unknown" "tarifador.x.y='1'"
rc=0
echo "tarifador.main=tarifador" | sh "$U2J" "$WORK/no-such-binary" >/dev/null 2>"$WORK/bad.err" || rc=$?
if [ "$rc" != 1 ] || ! grep -q "cannot read the settings" "$WORK/bad.err"; then
  fail "a missing binary: exit $rc, $(cat "$WORK/bad.err")"
fi
echo "ok: bad input rejected"
echo "PASS"
