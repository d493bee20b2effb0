#!/bin/sh
# Maps OpenWrt's UCI config of tarifador onto tarifador's JSON config file
# (SPEC section 8: "OpenWrt's UCI config maps onto it").
#
#   uci show tarifador | uci2json.sh [TARIFADOR_BINARY] > /var/etc/tarifador.json
#
# Reads `uci show tarifador` text on stdin, prints the JSON on stdout. The
# section TYPE names the JSON object: options of a `config tarifador` section
# are top-level keys (data_dir, site_id, log_level), options of a `config http`
# section go to "http", and so on, so `config freeswitch` / `option port
# '8021'` becomes {"freeswitch": {"port": 8021}}. The option `enabled` of the
# `config tarifador` section is the init script's switch and is not copied.
# Which keys are integers and booleans comes from the binary itself
# (TARIFADOR_BINARY, default /usr/bin/tarifador: `tarifador config show`
# prints every default with its JSON type), so a setting added to tarifador
# needs no change here. Those are written as JSON numbers and booleans (UCI's
# 1/0, yes/no, on/off, true/false, enabled/disabled); an empty integer or
# boolean option is left out (the default applies). Every other value is a
# JSON string; tarifador rejects unknown keys and bad values itself, naming them.
# Exit 0 with the JSON; exit 1, nothing on stdout and one message per bad line
# on stderr when the input cannot be mapped (list options, bad numbers or
# booleans, lines that are not `uci show` output).
set -eu

bin=${1:-/usr/bin/tarifador}
# "http.max_body_bytes=integer postgres.enabled=boolean ...": the defaults as
# `tarifador config show` prints them (two-space indented JSON, one key per
# line), without the environment's TARIFADOR_* overrides.
types=$(env -i "$bin" config show | awk '
  /^  "[a-z0-9_]+": [{]$/ { sec = $1; gsub(/[":]/, "", sec); next }
  /^  [}]/ { sec = ""; next }
  /^ +"[a-z0-9_]+": / {
    key = $1; gsub(/[":]/, "", key); v = $2; sub(/,$/, "", v)
    if (sec != "") key = sec "." key
    if (v ~ /^-?[0-9]+$/) printf("%s=integer ", key)
    else if (v == "true" || v == "false") printf("%s=boolean ", key)
  }') || types=""
if [ -z "$types" ]; then
  echo "uci2json: cannot read the settings from \"$bin config show\"" >&2
  exit 1
fi

awk -v q="'" -v types="$types" '
BEGIN {
  n = split(types, tl, " ")
  for (i = 1; i <= n; i++) {
    split(tl[i], kv, "=")
    if (kv[2] == "integer") integer[kv[1]] = 1
    else boolean[kv[1]] = 1
  }
  nsect = 0; bad = 0
}

function fail(msg) {
  printf("uci2json: line %d: %s\n", NR, msg) > "/dev/stderr"
  bad = 1
}

# The text of a `uci show` value: q...q segments and \q, where q is a single
# quote (uci writes a quote inside a value as q\qq). Sets LIST when the value
# has several space-separated items (a UCI list).
function unquote(v,   out, c, j) {
  LIST = 0; out = ""
  if (substr(v, 1, 1) != q) return v  # old uci versions print plain words unquoted
  while (length(v) > 0) {
    c = substr(v, 1, 1)
    if (c == q) {
      v = substr(v, 2); j = index(v, q)
      if (j == 0) { UNTERMINATED = 1; return out v }
      out = out substr(v, 1, j - 1); v = substr(v, j + 1)
    } else if (substr(v, 1, 2) == "\\" q) {
      out = out q; v = substr(v, 3)
    } else if (c == " ") {
      LIST = 1; return out
    } else {
      out = out c; v = substr(v, 2)
    }
  }
  return out
}

function jstr(s,   out, i, c) {
  out = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (c == "\\") out = out "\\\\"
    else if (c == "\"") out = out "\\\""
    else if (c == "\t") out = out "\\t"
    else if (c == "\r") out = out "\\r"
    else out = out c
  }
  return "\"" out "\""
}

function add(section, name, value,   key, k) {
  key = (section == "" ? name : section "." name)
  if (key in integer) {
    if (value == "") return
    if (value !~ /^-?[0-9]+$/) { fail(key " = \"" value "\": expected a whole number"); return }
    sub(/^0+/, "", value); if (value == "" || value == "-") value = "0"
  } else if (key in boolean) {
    if (value == "") return
    if (value ~ /^(1|yes|on|true|enabled)$/) value = "true"
    else if (value ~ /^(0|no|off|false|disabled)$/) value = "false"
    else { fail(key " = \"" value "\": expected 1/0, yes/no, on/off or true/false"); return }
  } else {
    value = jstr(value)
  }
  if (!(section in seen)) { seen[section] = 1; order[++nsect] = section; count[section] = 0 }
  if (!((section, name) in slot)) slot[section, name] = ++count[section]
  k = slot[section, name]
  names[section, k] = name; values[section, k] = value
}

/^[ \t]*$/ { next }

{
  eq = index($0, "=")
  if (eq == 0) { fail("not a `uci show` line: " $0); next }
  lhs = substr($0, 1, eq - 1); rhs = substr($0, eq + 1)
  n = split(lhs, part, ".")
  if (n == 2) {  # tarifador.SECTION=TYPE
    type[part[2]] = rhs
    next
  }
  if (n != 3 || part[3] !~ /^[A-Za-z0-9_]+$/) { fail("not a `uci show` option line: " $0); next }
  if (!(part[2] in type)) { fail("option of a section whose type is unknown: " lhs); next }
  UNTERMINATED = 0
  value = unquote(rhs)
  if (UNTERMINATED) { fail(lhs ": unterminated quote"); next }
  if (LIST) { fail(lhs ": is a list; tarifador takes one value per option"); next }
  t = type[part[2]]
  if (t == "tarifador") {
    if (part[3] == "enabled") next
    add("", part[3], value)
  } else if (t ~ /^[a-z][a-z0-9_]*$/) {
    add(t, part[3], value)
  } else {
    fail("section type \"" t "\" cannot be a config section name")
  }
}

END {
  if (bad) exit 1
  print "{"
  first = 1
  # Top-level keys first, then one object per section type in input order.
  if ("" in seen) {
    for (k = 1; k <= count[""]; k++) {
      printf("%s  %s: %s", first ? "" : ",\n", jstr(names["", k]), values["", k]); first = 0
    }
  }
  for (s = 1; s <= nsect; s++) {
    sec = order[s]
    if (sec == "") continue
    printf("%s  %s: {\n", first ? "" : ",\n", jstr(sec)); first = 0
    for (k = 1; k <= count[sec]; k++) {
      printf("    %s: %s%s\n", jstr(names[sec, k]), values[sec, k], k < count[sec] ? "," : "")
    }
    printf("  }")
  }
  printf("%s}\n", first ? "" : "\n")
}
'
