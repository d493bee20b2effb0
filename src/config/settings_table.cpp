#include "config/settings_table.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/money.h"
#include "base/strings.h"
#include "base/time.h"

namespace tarifador::config {
namespace {

const std::string& Str(const SettingValue& v) { return std::get<std::string>(v); }
int64_t Int(const SettingValue& v) { return std::get<int64_t>(v); }

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

// A DNS name or dotted IPv4 address (no port, no brackets).
bool IsHostName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    if (!IsHostChar(c)) return false;
  }
  return true;
}

// The inside of "[...]": hex digits, ':' and '.' (IPv4-mapped), at least one ':'.
bool IsIpv6Literal(std::string_view s) {
  if (s.size() < 2 || s.find(':') == std::string_view::npos) return false;
  for (char c : s) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex && c != ':' && c != '.') return false;
  }
  return true;
}

bool IsPort(std::string_view s) {
  if (!IsDigits(s) || s.size() > 5) return false;
  int port = 0;
  std::from_chars(s.data(), s.data() + s.size(), port);
  return port >= 1 && port <= 65535;
}

std::string ValidateListen(const SettingValue& v) {
  const std::string_view s = Str(v);
  const std::string_view kWant = "expected \"host:port\" with port 1..65535 (IPv6 as \"[::1]:8080\")";
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::string(kWant);
  const std::string_view host = s.substr(0, colon);
  const std::string_view port = s.substr(colon + 1);
  if (!IsPort(port)) return std::string(kWant);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    if (!IsIpv6Literal(host.substr(1, host.size() - 2))) return std::string(kWant);
  } else if (!IsHostName(host)) {
    return std::string(kWant);
  }
  return "";
}

// host:port where port 0 means any free port (tests running side by side
// read the port the log names).
std::string ValidateListenOrAnyPort(const SettingValue& v) {
  const std::string_view s = Str(v);
  if (s.size() > 2 && s.substr(s.size() - 2) == ":0") {
    const std::string with_port = std::string(s.substr(0, s.size() - 1)) + "1";
    return ValidateListen(SettingValue(with_port));
  }
  return ValidateListen(v);
}

// Empty (no HTTPS), or ValidateListenOrAnyPort.
std::string ValidateTlsListen(const SettingValue& v) {
  if (Str(v).empty()) return "";
  return ValidateListenOrAnyPort(v);
}

std::string ValidateOptionalListen(const SettingValue& v) {
  if (Str(v).empty()) return "";
  return ValidateListen(v);
}

std::string ValidateHost(const SettingValue& v) {
  const std::string_view s = Str(v);
  if (IsHostName(s) || IsIpv6Literal(s)) return "";
  return "expected a host name or IP address";
}

template <int64_t kMin, int64_t kMax>
std::string ValidateRange(const SettingValue& v) {
  const int64_t n = Int(v);
  if (n >= kMin && n <= kMax) return "";
  return "must be between " + std::to_string(kMin) + " and " + std::to_string(kMax);
}

std::string ValidateAbsolutePath(const SettingValue& v) {
  const std::string& s = Str(v);
  if (s.empty()) return "must not be empty";
  if (s.front() != '/') return "must be an absolute path (starting with /)";
  return "";
}

std::string ValidateOptionalAbsolutePath(const SettingValue& v) {
  return Str(v).empty() ? "" : ValidateAbsolutePath(v);
}

std::string ValidateSiteId(const SettingValue& v) {
  const std::string& s = Str(v);
  if (s.empty()) return "";  // the host name is used
  bool good = s.size() <= 64;
  for (char c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '_' && c != '-') good = false;
  }
  return good ? "" : "must be 1 to 64 characters from A-Z a-z 0-9 . _ -";
}

std::string ValidateLogLevel(const SettingValue& v) {
  const std::string& s = Str(v);
  if (s == "debug" || s == "info" || s == "warning" || s == "error") return "";
  return "must be one of debug, info, warning, error";
}

std::string ValidateWhenDown(const SettingValue& v) {
  const std::string& s = Str(v);
  if (s == "deny" || s == "allow") return "";
  return "must be \"deny\" or \"allow\"";
}

std::string ValidateEslPassword(const SettingValue& v) {
  const std::string& s = Str(v);
  if (s.empty()) return "must not be empty";
  // ESL sends "auth <password>\n\n": a line break would end the command early.
  if (s.find_first_of("\r\n") != std::string::npos) return "must not contain line breaks";
  return "";
}

std::string ValidateSingleLine(const SettingValue& v) {
  return Str(v).find_first_of("\r\n") == std::string::npos ? "" : "must not contain line breaks";
}

// A dial-plan code (rating.*): empty (rule off) or 1..kMax ASCII digits.
template <size_t kMax>
std::string ValidateDialCode(const SettingValue& v) {
  const std::string& s = Str(v);
  if (s.empty() || (s.size() <= kMax && IsDigits(s))) return "";
  return "must be empty or 1 to " + std::to_string(kMax) + " digits (no \"+\", spaces or dashes)";
}

// Empty (off) or a non-negative money amount as the API writes it ("3", "0.75").
std::string ValidateOptionalMoney(const SettingValue& v) {
  const std::string& s = Str(v);
  if (s.empty()) return "";
  base::Result<base::Money> m = base::Money::Parse(s);
  if (!m.ok() || m->is_negative()) return "must be empty or an amount such as \"3.00\" (not negative)";
  return "";
}

// Empty, or comma-separated prefixes of 1 to 15 digits, at most 1000.
std::string ValidatePrefixList(const SettingValue& v) {
  const std::vector<std::string_view> prefixes = base::SplitCommas(Str(v));
  for (std::string_view prefix : prefixes) {
    if (prefix.empty() || prefix.size() > 15 || !IsDigits(prefix) || prefixes.size() > 1000) {
      return "must be empty or up to 1000 comma-separated prefixes of 1 to 15 digits (\"44870,4490\")";
    }
  }
  return "";
}

// Empty, or up to 200 comma-separated rate zone names of 1 to 64 characters,
// without spaces around them or control characters.
std::string ValidateZoneList(const SettingValue& v) {
  const std::vector<std::string_view> zones = base::SplitCommas(Str(v));
  for (std::string_view zone : zones) {
    const bool control =
        std::any_of(zone.begin(), zone.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    if (zone.empty() || zone.size() > 64 || zone.front() == ' ' || zone.back() == ' ' || control ||
        zones.size() > 200) {
      return "must be empty or up to 200 comma-separated zone names as the rate decks write them, without spaces "
             "around the commas (\"Premium,Satellite\")";
    }
  }
  return "";
}

// An amount (not empty).
std::string ValidateSpikeMinCost(const SettingValue& v) {
  if (Str(v).empty()) return "must be an amount such as \"20.00\"";
  return ValidateOptionalMoney(v);
}

// Empty, or comma-separated names from kGuardRules.
std::string ValidateGuardRules(const SettingValue& v) {
  for (std::string_view rule : base::SplitCommas(Str(v))) {
    if (std::find(kGuardRules.begin(), kGuardRules.end(), rule) == kGuardRules.end()) {
      return "must be empty or comma-separated guard rules from guard_blocked_prefix, guard_blocked_zone, "
             "guard_price_per_minute, guard_after_hours, guard_call_cost, guard_concurrent_calls, "
             "guard_calls_per_hour, guard_repeated_number, guard_daily_spend";
    }
  }
  return "";
}

// Empty, or 1..8 characters a phone can dial: 0-9 * #.
std::string ValidatePinPrefix(const SettingValue& v) {
  const std::string& s = Str(v);
  if (s.size() > 8 || s.find_first_not_of("0123456789*#") != std::string::npos) {
    return "must be empty or 1 to 8 of 0-9 * # (\"*7\")";
  }
  return "";
}

// Empty (no e-mail), or an smtp:// (STARTTLS required) or smtps:// URL with a
// host, in one line.
std::string ValidateSmtpUrl(const SettingValue& v) {
  const std::string& s = Str(v);
  if (s.empty()) return "";
  const bool scheme = s.rfind("smtp://", 0) == 0 || s.rfind("smtps://", 0) == 0;
  const size_t host = s.find("://") + 3;
  if (!scheme || host >= s.size() || s.find_first_of("\r\n ") != std::string::npos) {
    return "must be empty or a URL such as \"smtp://mail.example.com:587\" (STARTTLS) or "
           "\"smtps://mail.example.com:465\"";
  }
  return "";
}

// Empty, or one e-mail address: something@host, in one line, no spaces or <>.
std::string ValidateOptionalMailAddress(const SettingValue& v) {
  const std::string& s = Str(v);
  if (s.empty()) return "";
  const size_t at = s.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= s.size() || s.size() > 254 ||
      s.find_first_of(" <>\r\n,;") != std::string::npos) {
    return "must be empty or one e-mail address such as \"tarifador@example.com\"";
  }
  return "";
}

// Empty (off), or "HH:MM-HH:MM" with the start before the end.
std::string ValidateOfficeHours(const SettingValue& v) {
  if (Str(v).empty()) return "";
  const auto range = base::ParseMinuteRange(Str(v));
  if (!range || range->first >= range->second) {
    return "must be empty or \"HH:MM-HH:MM\" with the start before the end, e.g. \"08:00-20:00\"";
  }
  return "";
}

// Comma-separated day names, mon to sun, at least one.
std::string ValidateOfficeDays(const SettingValue& v) {
  const std::vector<std::string_view> days = base::SplitCommas(Str(v));
  const bool known = !days.empty() && std::all_of(days.begin(), days.end(), [](std::string_view d) {
    return std::find(kWeekdayNames.begin(), kWeekdayNames.end(), d) != kWeekdayNames.end();
  });
  return known ? "" : "must be comma-separated days from mon, tue, wed, thu, fri, sat, sun";
}

// Empty, or comma-separated dates "YYYY-MM-DD", at most 400.
std::string ValidateHolidays(const SettingValue& v) {
  const std::vector<std::string_view> dates = base::SplitCommas(Str(v));
  for (std::string_view date : dates) {
    if (date.size() != 10 || !base::ParseIso8601(date).ok() || dates.size() > 400) {
      return "must be empty or up to 400 comma-separated dates \"2026-12-25,2027-01-01\"";
    }
  }
  return "";
}

// A rate plan name, as rating::ValidatePlanName accepts it (config does not
// include rating): 1 to 64 characters from A-Z a-z 0-9 _ - .
std::string ValidatePlanName(const SettingValue& v) {
  const std::string& s = Str(v);
  bool good = !s.empty() && s.size() <= 64;
  for (char c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '_' && c != '-') good = false;
  }
  return good ? "" : "must be 1 to 64 characters from A-Z a-z 0-9 _ - .";
}

std::string AnyValue(const SettingValue&) { return ""; }

std::string ValidateExportTimeZone(const SettingValue& v) {
  const std::string& s = Str(v);
  return s.empty() || s == "UTC" ? "" : "must be \"\" (the office time_zone) or \"UTC\"";
}

// Field bindings: captureless lambdas decay to the table's function pointers.
#define TARIFADOR_FIELD(member) [](Config& c) -> SettingField { return &c.member; }

const Setting kSettings[] = {
    {"data_dir", SettingType::kString, "TARIFADOR_DATA_DIR",
     "Directory holding the SQLite store: tarifador.db with its -wal and -shm files. Absolute path.", false,
     ValidateAbsolutePath, TARIFADOR_FIELD(data_dir)},
    {"site_id", SettingType::kString, "TARIFADOR_SITE_ID",
     "Name of this box in head office's mirror: 1 to 64 characters from A-Z a-z 0-9 . _ -. Empty: the host "
     "name. Recorded in the store on first start and cannot change afterwards.",
     false, ValidateSiteId, TARIFADOR_FIELD(site_id)},
    {"log_level", SettingType::kString, "TARIFADOR_LOG_LEVEL",
     "Least important log messages written to stderr/journald: debug, info, warning or error.", false, ValidateLogLevel,
     TARIFADOR_FIELD(log_level)},
    {"time_zone", SettingType::kString, "TARIFADOR_TIME_ZONE",
     "The office time zone, where reports, export days and months and the CSV's times are counted: an IANA "
     "name (\"Europe/Madrid\") or a POSIX TZ string. Empty: the box's own (/etc/localtime). Storage stays UTC.",
     false, ValidateSingleLine, TARIFADOR_FIELD(time_zone)},
    {"http.listen", SettingType::kString, "TARIFADOR_HTTP_LISTEN",
     "Address of the web UI and API as \"host:port\"; IPv6 as \"[::1]:8080\"; \"0.0.0.0:8080\" listens on "
     "every IPv4 address; port 0: any free one, which the log names (tests).",
     false, ValidateListenOrAnyPort, TARIFADOR_FIELD(http.listen)},
    {"http.max_body_bytes", SettingType::kInteger, "TARIFADOR_HTTP_MAX_BODY_BYTES",
     "Largest request body accepted, in bytes (rate deck and bulk recharge uploads): 1024 to 1073741824.", false,
     ValidateRange<1024, 1073741824>, TARIFADOR_FIELD(http.max_body_bytes)},
    {"http.max_connections", SettingType::kInteger, "TARIFADOR_HTTP_MAX_CONNECTIONS",
     "Open web UI and API connections at most, from everyone together (each holds a thread and up to 32 KiB); "
     "more are closed at once: 16 to 4096.",
     false, ValidateRange<16, 4096>, TARIFADOR_FIELD(http.max_connections)},
    {"http.max_connections_per_address", SettingType::kInteger, "TARIFADOR_HTTP_MAX_CONNECTIONS_PER_ADDRESS",
     "Open connections at most from one IP address, so one machine cannot take them all: 4 to 4096. Raise it "
     "when many users reach the box through one NAT address.",
     false, ValidateRange<4, 4096>, TARIFADOR_FIELD(http.max_connections_per_address)},
    {"http.tls_listen", SettingType::kString, "TARIFADOR_HTTP_TLS_LISTEN",
     "Address of the HTTPS listener as \"host:port\" (port 0: any free one); empty: no HTTPS. With it, plain HTTP on "
     "http.listen answers only the box itself (127.0.0.1, ::1: the dialplan, a local Prometheus) and redirects "
     "everyone else here. Its certificate is http.tls_cert/http.tls_key, or, when those are empty, a self-signed "
     "one generated at the first start in data_dir/tls (its fingerprint is logged and on the status page).",
     false, ValidateTlsListen, TARIFADOR_FIELD(http.tls_listen)},
    {"http.tls_cert", SettingType::kString, "TARIFADOR_HTTP_TLS_CERT",
     "PEM certificate file (absolute path) for HTTPS: on http.tls_listen when that is set, else on http.listen "
     "itself. Empty: tarifador's own self-signed certificate (with http.tls_listen) or plain HTTP.",
     false, ValidateOptionalAbsolutePath, TARIFADOR_FIELD(http.tls_cert)},
    {"http.tls_key", SettingType::kString, "TARIFADOR_HTTP_TLS_KEY",
     "PEM private key file (absolute path) for http.tls_cert; empty: plain HTTP.", false, ValidateOptionalAbsolutePath,
     TARIFADOR_FIELD(http.tls_key)},
    {"freeswitch.host", SettingType::kString, "TARIFADOR_FREESWITCH_HOST",
     "Host of FreeSWITCH's event socket (mod_event_socket), a name or IP address.", false, ValidateHost,
     TARIFADOR_FIELD(freeswitch.host)},
    {"freeswitch.port", SettingType::kInteger, "TARIFADOR_FREESWITCH_PORT",
     "TCP port of FreeSWITCH's event socket: 1 to 65535.", false, ValidateRange<1, 65535>,
     TARIFADOR_FIELD(freeswitch.port)},
    {"freeswitch.password", SettingType::kString, "TARIFADOR_FREESWITCH_PASSWORD",
     "Event socket password (the password param of event_socket.conf.xml). Change it there and here.", true,
     ValidateEslPassword, TARIFADOR_FIELD(freeswitch.password)},
    {"freeswitch.json_cdr_dir", SettingType::kString, "TARIFADOR_FREESWITCH_JSON_CDR_DIR",
     "Directory where mod_json_cdr writes its CDR files (its log-dir; or its err-log-dir): tarifador bills each "
     "file and deletes it, and moves one it cannot bill into rejected/ there. Absolute path; empty: off. "
     "docs/FREESWITCH.md.",
     false, ValidateOptionalAbsolutePath, TARIFADOR_FIELD(freeswitch.json_cdr_dir)},
    {"freeswitch.socket_listen", SettingType::kString, "TARIFADOR_FREESWITCH_SOCKET_LISTEN",
     "Address (\"host:port\") where tarifador answers FreeSWITCH's outbound event socket, the dialplan's `socket` "
     "application that holds each outbound call until tarifador has authorized and reserved it, so that a denied "
     "call never reaches the carrier: e.g. \"127.0.0.1:8084\"; empty: off. docs/FREESWITCH.md.",
     false, ValidateOptionalListen, TARIFADOR_FIELD(freeswitch.socket_listen)},
    {"billing.debit_interval", SettingType::kInteger, "TARIFADOR_BILLING_DEBIT_INTERVAL",
     "Seconds of call time reserved from the balance at a time while a call is up: 5 to 3600.", false,
     ValidateRange<5, 3600>, TARIFADOR_FIELD(billing.debit_interval)},
    {"billing.when_down", SettingType::kString, "TARIFADOR_BILLING_WHEN_DOWN",
     "Calls tarifador cannot check: \"deny\" hangs up a call whose money cannot be read (store down) and a "
     "call found running after a FreeSWITCH link outage that it would deny now; \"allow\" lets both go on and "
     "bills them at their end. The dialplan's side: docs/FREESWITCH.md.",
     false, ValidateWhenDown, TARIFADOR_FIELD(billing.when_down)},
    {"billing.max_call_seconds", SettingType::kInteger, "TARIFADOR_BILLING_MAX_CALL_SECONDS",
     "The longest call a backfilled CDR (mod_json_cdr, tarifador cdr import) may bill, in seconds: 60 to "
     "2678400 (31 days). A CDR lasting longer is refused and bills nothing.",
     false, ValidateRange<60, 2'678'400>, TARIFADOR_FIELD(billing.max_call_seconds)},
    {"billing.max_recharge", SettingType::kString, "TARIFADOR_BILLING_MAX_RECHARGE",
     "The most one recharge may add (the API, the web UI and each row of a bulk recharge), so that a mistyped "
     "amount is refused instead of credited, e.g. \"10000.00\" (the default); set it to the office's largest "
     "real recharge; empty: no limit but the API's own (a billion).",
     false, ValidateOptionalMoney, TARIFADOR_FIELD(billing.max_recharge)},
    {"guards.max_price_per_minute", SettingType::kString, "TARIFADOR_GUARDS_MAX_PRICE_PER_MINUTE",
     "Toll-fraud guard: an outbound call to a destination whose rate costs more than this a minute is refused "
     "(reason guard_price_per_minute), e.g. \"3.00\"; empty: off. docs/BILLING.md \"Toll-fraud guards\".",
     false, ValidateOptionalMoney, TARIFADOR_FIELD(guards.max_price_per_minute)},
    {"guards.blocked_prefixes", SettingType::kString, "TARIFADOR_GUARDS_BLOCKED_PREFIXES",
     "Toll-fraud guard: comma-separated prefixes of the normalised number (country code first, as rates match) "
     "that outbound calls may never reach, whatever the rate plans say (reason guard_blocked_prefix), e.g. "
     "premium-rate and known fraud ranges \"44870,4490,88213\"; empty: none. docs/BILLING.md \"Toll-fraud "
     "guards\".",
     false, ValidatePrefixList, TARIFADOR_FIELD(guards.blocked_prefixes)},
    {"guards.blocked_zones", SettingType::kString, "TARIFADOR_GUARDS_BLOCKED_ZONES",
     "Toll-fraud guard: comma-separated zone names, as the rate decks write them, that outbound calls may never "
     "reach, in any rate plan (reason guard_blocked_zone), e.g. \"Premium,Satellite\"; empty: none. "
     "docs/BILLING.md \"Toll-fraud guards\".",
     false, ValidateZoneList, TARIFADOR_FIELD(guards.blocked_zones)},
    {"guards.international_hours", SettingType::kString, "TARIFADOR_GUARDS_INTERNATIONAL_HOURS",
     "Toll-fraud guard: international calls (the number as normalised) only between these office-time hours on "
     "guards.office_days, never on guards.holidays (reason guard_after_hours), e.g. \"08:00-20:00\"; empty: any "
     "time. docs/BILLING.md \"Toll-fraud guards\".",
     false, ValidateOfficeHours, TARIFADOR_FIELD(guards.international_hours)},
    {"guards.office_days", SettingType::kString, "TARIFADOR_GUARDS_OFFICE_DAYS",
     "The days of guards.international_hours: comma-separated from mon, tue, wed, thu, fri, sat, sun.", false,
     ValidateOfficeDays, TARIFADOR_FIELD(guards.office_days)},
    {"guards.holidays", SettingType::kString, "TARIFADOR_GUARDS_HOLIDAYS",
     "Days the office is closed all day for guards.international_hours: comma-separated \"YYYY-MM-DD\" (office "
     "time zone), e.g. \"2026-12-25,2027-01-01\"; empty: none.",
     false, ValidateHolidays, TARIFADOR_FIELD(guards.holidays)},
    {"guards.max_call_cost", SettingType::kString, "TARIFADOR_GUARDS_MAX_CALL_COST",
     "Toll-fraud guard: the most one outbound call may cost, e.g. \"20.00\": a call is cut where its cost reaches "
     "it (cut_off_no_funds, reason guard_call_cost) and refused when its first increment costs more; empty: off.",
     false, ValidateOptionalMoney, TARIFADOR_FIELD(guards.max_call_cost)},
    {"guards.max_concurrent_calls", SettingType::kInteger, "TARIFADOR_GUARDS_MAX_CONCURRENT_CALLS",
     "Toll-fraud guard: outbound calls one extension may have up at once; one more is refused (reason "
     "guard_concurrent_calls): 0 (off) to 1000.",
     false, ValidateRange<0, 1000>, TARIFADOR_FIELD(guards.max_concurrent_calls)},
    {"guards.max_calls_per_hour", SettingType::kInteger, "TARIFADOR_GUARDS_MAX_CALLS_PER_HOUR",
     "Toll-fraud guard: outbound calls one extension may place in any 60 minutes; more are refused (reason "
     "guard_calls_per_hour): 0 (off) to 100000.",
     false, ValidateRange<0, 100'000>, TARIFADOR_FIELD(guards.max_calls_per_hour)},
    {"guards.max_repeats_per_hour", SettingType::kInteger, "TARIFADOR_GUARDS_MAX_REPEATS_PER_HOUR",
     "Toll-fraud guard: calls one extension may place to the same number in any 60 minutes; more are refused "
     "(reason guard_repeated_number): 0 (off) to 1000.",
     false, ValidateRange<0, 1000>, TARIFADOR_FIELD(guards.max_repeats_per_hour)},
    {"guards.max_daily_spend", SettingType::kString, "TARIFADOR_GUARDS_MAX_DAILY_SPEND",
     "Toll-fraud guard: the most one account's outbound calls may spend in one office day (the office time "
     "zone's calendar day), e.g. \"50.00\"; an account's own daily_limit replaces it. Reservations count against "
     "it, so a call is refused (reason guard_daily_spend) when its first increment does not fit and cut where "
     "the day's money ends; empty: off.",
     false, ValidateOptionalMoney, TARIFADOR_FIELD(guards.max_daily_spend)},
    {"guards.alert_only", SettingType::kString, "TARIFADOR_GUARDS_ALERT_ONLY",
     "Guards that only alert: comma-separated rule names (guard_blocked_prefix, guard_blocked_zone, "
     "guard_price_per_minute, "
     "guard_after_hours, guard_call_cost, guard_concurrent_calls, guard_calls_per_hour, guard_repeated_number, "
     "guard_daily_spend); "
     "a call such a rule would refuse goes on, its CDR names the rule and a guard_tripped alert is raised; "
     "empty: every guard blocks.",
     false, ValidateGuardRules, TARIFADOR_FIELD(guards.alert_only)},
    {"guards.spike_factor", SettingType::kInteger, "TARIFADOR_GUARDS_SPIKE_FACTOR",
     "Spike detector: a spend_spike alert when this hour's outbound calls or spend (box-wide) exceed this many "
     "times the same hour's average over the last 7 days, e.g. 5: 0 (off) to 1000. docs/BILLING.md \"Spike "
     "detector\".",
     false, ValidateRange<0, 1000>, TARIFADOR_FIELD(guards.spike_factor)},
    {"guards.spike_min_calls", SettingType::kInteger, "TARIFADOR_GUARDS_SPIKE_MIN_CALLS",
     "Spike detector: fewer outbound calls in the hour are never a spike of calls: 1 to 1000000.", false,
     ValidateRange<1, 1'000'000>, TARIFADOR_FIELD(guards.spike_min_calls)},
    {"guards.spike_min_cost", SettingType::kString, "TARIFADOR_GUARDS_SPIKE_MIN_COST",
     "Spike detector: less spend in the hour is never a spike of spend, e.g. \"20.00\".", false, ValidateSpikeMinCost,
     TARIFADOR_FIELD(guards.spike_min_cost)},
    {"pins.prefix", SettingType::kString, "TARIFADOR_PINS_PREFIX",
     "What a phone dials before the number of a PIN call (the dialplan then asks for the code number and the "
     "PIN, docs/FREESWITCH.md \"PIN codes\"): 1 to 8 of 0-9 * #, e.g. \"*7\"; empty: PIN calls off.",
     false, ValidatePinPrefix, TARIFADOR_FIELD(pins.prefix)},
    {"pins.max_failures", SettingType::kInteger, "TARIFADOR_PINS_MAX_FAILURES",
     "Wrong PINs a code number may get in 15 minutes before it is locked for the rest of them (a phone: twice "
     "as many, over all code numbers), with a pin_failures alert: 3 to 20.",
     false, ValidateRange<3, 20>, TARIFADOR_FIELD(pins.max_failures)},
    {"rating.default_plan", SettingType::kString, "TARIFADOR_RATING_DEFAULT_PLAN",
     "Rate plan used when a quote names none (GET /api/v1/quote, tarifador quote): 1 to 64 characters from A-Z "
     "a-z 0-9 _ - .",
     false, ValidatePlanName, TARIFADOR_FIELD(rating.default_plan)},
    {"rating.outside_line_code", SettingType::kString, "TARIFADOR_RATING_OUTSIDE_LINE_CODE",
     "Digits dialled for an outside line (\"9\", \"0\"), removed once from the front of a dialled number "
     "before rating. Empty: none. At most 4 digits.",
     false, ValidateDialCode<4>, TARIFADOR_FIELD(rating.outside_line_code)},
    {"rating.international_prefix", SettingType::kString, "TARIFADOR_RATING_INTERNATIONAL_PREFIX",
     "International access prefix (\"00\"; \"011\" in North America): a number starting with it is "
     "international; \"+\" always is. Empty: only \"+\". At most 4 digits.",
     false, ValidateDialCode<4>, TARIFADOR_FIELD(rating.international_prefix)},
    {"rating.national_prefix", SettingType::kString, "TARIFADOR_RATING_NATIONAL_PREFIX",
     "National (trunk) prefix (\"0\" in most of Europe, \"1\" in North America), replaced by "
     "rating.country_code. Empty: none. At most 4 digits.",
     false, ValidateDialCode<4>, TARIFADOR_FIELD(rating.national_prefix)},
    {"rating.country_code", SettingType::kString, "TARIFADOR_RATING_COUNTRY_CODE",
     "This office's country calling code (\"44\", \"49\", \"1\"), 1 to 3 digits. Empty: national "
     "numbers are rated as dialled.",
     false, ValidateDialCode<3>, TARIFADOR_FIELD(rating.country_code)},
    {"rating.national_number_digits", SettingType::kInteger, "TARIFADOR_RATING_NATIONAL_NUMBER_DIGITS",
     "When not 0, a number of exactly this many digits dialled without a prefix is national and gets "
     "rating.country_code (North America: 10). 0 to 15.",
     false, ValidateRange<0, 15>, TARIFADOR_FIELD(rating.national_number_digits)},
    {"rating.max_extension_digits", SettingType::kInteger, "TARIFADOR_RATING_MAX_EXTENSION_DIGITS",
     "When not 0, numbers of at most this many digits are internal extensions and are rated as dialled. "
     "0 to 15.",
     false, ValidateRange<0, 15>, TARIFADOR_FIELD(rating.max_extension_digits)},
    {"export.dir", SettingType::kString, "TARIFADOR_EXPORT_DIR",
     "Directory for scheduled CSV exports (absolute path). Empty: <data_dir>/export.", false,
     ValidateOptionalAbsolutePath, TARIFADOR_FIELD(export_.dir)},
    {"export.daily", SettingType::kBoolean, "TARIFADOR_EXPORT_DAILY",
     "Write cdrs-YYYY-MM-DD.csv into export.dir after each local day closes (true or false). docs/EXPORT.md.", false,
     AnyValue, TARIFADOR_FIELD(export_.daily)},
    {"export.monthly", SettingType::kBoolean, "TARIFADOR_EXPORT_MONTHLY",
     "Write cdrs-YYYY-MM.csv into export.dir after each local month closes (true or false).", false, AnyValue,
     TARIFADOR_FIELD(export_.monthly)},
    {"export.columns", SettingType::kString, "TARIFADOR_EXPORT_COLUMNS",
     "CSV columns, comma-separated, in order (e.g. \"start_time,caller,destination,billsec,cost\"). Empty: "
     "every CDR field. Names: docs/EXPORT.md; an unknown name is an error.",
     false, ValidateSingleLine, TARIFADOR_FIELD(export_.columns)},
    {"export.time_zone", SettingType::kString, "TARIFADOR_EXPORT_TIME_ZONE",
     "Time zone of the CSV's times: empty for the office time_zone (with its UTC offset), or \"UTC\".", false,
     ValidateExportTimeZone, TARIFADOR_FIELD(export_.time_zone)},
    {"postgres.enabled", SettingType::kBoolean, "TARIFADOR_POSTGRES_ENABLED",
     "Mirror CDRs, ledger rows and account changes to a central PostgreSQL (true or false).", false, AnyValue,
     TARIFADOR_FIELD(postgres.enabled)},
    {"postgres.conninfo", SettingType::kString, "TARIFADOR_POSTGRES_CONNINFO",
     "libpq connection string of the central PostgreSQL, e.g. \"host=hq.example dbname=tarifador "
     "user=branch password=...\" or a postgresql:// URI. Required when postgres.enabled is true.",
     true, ValidateSingleLine, TARIFADOR_FIELD(postgres.conninfo)},
    {"postgres.batch_rows", SettingType::kInteger, "TARIFADOR_POSTGRES_BATCH_ROWS",
     "Most outbox rows the mirror sends in one PostgreSQL transaction. 1 to 100000.", false, ValidateRange<1, 100000>,
     TARIFADOR_FIELD(postgres.batch_rows)},
    {"postgres.retry_max_seconds", SettingType::kInteger, "TARIFADOR_POSTGRES_RETRY_MAX_SECONDS",
     "Longest wait between mirror retries while PostgreSQL is unreachable (the wait doubles from 1 s, "
     "with jitter). 1 to 3600.",
     false, ValidateRange<1, 3600>, TARIFADOR_FIELD(postgres.retry_max_seconds)},
    {"alerts.smtp_url", SettingType::kString, "TARIFADOR_ALERTS_SMTP_URL",
     "Mail server for alert e-mail: \"smtp://host:587\" (STARTTLS is required: a server that does not offer it "
     "gets nothing) or \"smtps://host:465\"; empty: no e-mail. Recipients are added in the API "
     "(/api/v1/alert-recipients). docs/ALERTS.md \"Delivery\".",
     false, ValidateSmtpUrl, TARIFADOR_FIELD(alerts.smtp_url)},
    {"alerts.smtp_username", SettingType::kString, "TARIFADOR_ALERTS_SMTP_USERNAME",
     "User name for the mail server's login; empty: no login.", false, ValidateSingleLine,
     TARIFADOR_FIELD(alerts.smtp_username)},
    {"alerts.smtp_password", SettingType::kString, "TARIFADOR_ALERTS_SMTP_PASSWORD",
     "Password for the mail server's login.", true, ValidateSingleLine, TARIFADOR_FIELD(alerts.smtp_password)},
    {"alerts.smtp_from", SettingType::kString, "TARIFADOR_ALERTS_SMTP_FROM",
     "Sender address of alert e-mail, e.g. \"tarifador@example.com\"; needed with alerts.smtp_url.", false,
     ValidateOptionalMailAddress, TARIFADOR_FIELD(alerts.smtp_from)},
    {"alerts.ca_file", SettingType::kString, "TARIFADOR_ALERTS_CA_FILE",
     "PEM file of the certificate authorities that the mail server and HTTPS webhook receivers are checked "
     "against (absolute path); empty: the system's (ca-certificates).",
     false, ValidateOptionalAbsolutePath, TARIFADOR_FIELD(alerts.ca_file)},
    {"alerts.low_balance", SettingType::kString, "TARIFADOR_ALERTS_LOW_BALANCE",
     "A charge that takes a prepaid account's balance below this amount raises a low_balance alert (once per "
     "crossing: a recharge above it re-arms it), e.g. \"5.00\"; empty: off. An account's own low_balance (API) "
     "wins over it. docs/ALERTS.md.",
     false, ValidateOptionalMoney, TARIFADOR_FIELD(alerts.low_balance)},
    {"retention.cdr_days", SettingType::kInteger, "TARIFADOR_RETENTION_CDR_DAYS",
     "Delete CDRs that ended more than this many days ago (24-hour days), but only once a successful scheduled "
     "export covers them and the PostgreSQL mirror (when on) has them; checked at start and daily. 0: keep every "
     "CDR forever. 0 to 36500. docs/OPERATIONS.md.",
     false, ValidateRange<0, 36500>, TARIFADOR_FIELD(retention.cdr_days)},
};

#undef TARIFADOR_FIELD

}  // namespace

const char* SettingTypeName(SettingType type) {
  switch (type) {
    case SettingType::kString: return "string";
    case SettingType::kInteger: return "integer";
    case SettingType::kBoolean: return "boolean";
  }
  return "?";
}

std::span<const Setting> Settings() { return kSettings; }

const Setting* FindSetting(std::string_view key) {
  for (const Setting& s : kSettings) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

SettingValue GetSetting(const Config& config, const Setting& setting) {
  // The binding takes a mutable Config so one function serves reads and writes;
  // reading a copy keeps `config` untouched.
  Config copy = config;
  return std::visit([](auto* field) -> SettingValue { return *field; }, setting.field(copy));
}

void SetSetting(Config& config, const Setting& setting, const SettingValue& value) {
  std::visit(
      [&value](auto* field) {
        using T = std::remove_pointer_t<decltype(field)>;
        *field = std::get<T>(value);
      },
      setting.field(config));
}

SettingValue DefaultValue(const Setting& setting) { return GetSetting(Config{}, setting); }

std::string EnvNameForKey(std::string_view key) {
  std::string out = "TARIFADOR_";
  for (char c : key) {
    if (c == '.') {
      out += '_';
    } else if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - 'a' + 'A');
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(const SettingValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return nlohmann::json(*s).dump();
  if (const auto* n = std::get_if<int64_t>(&value)) return std::to_string(*n);
  return std::get<bool>(value) ? "true" : "false";
}

std::string MaskConninfo(std::string_view conninfo) {
  std::string s(conninfo);
  const std::string kMask = "********";
  // URI form: scheme://user:password@host...
  const size_t scheme = s.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t at = s.find('@', start);
    const size_t slash = s.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const size_t colon = s.find(':', start);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, kMask);
    }
  }
  // Keyword form: password = value | password='quoted value'. Also the URI
  // query parameter "password=...".
  size_t pos = 0;
  while ((pos = s.find("password", pos)) != std::string::npos) {
    size_t i = pos + 8;
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size() || s[i] != '=') {
      pos = i;
      continue;
    }
    ++i;
    while (i < s.size() && s[i] == ' ') ++i;
    size_t end = i;
    if (end < s.size() && s[end] == '\'') {
      ++end;
      while (end < s.size() && s[end] != '\'') end += (s[end] == '\\' && end + 1 < s.size()) ? 2 : 1;
      if (end < s.size()) ++end;
    } else {
      while (end < s.size() && s[end] != ' ' && s[end] != '&') ++end;
    }
    s.replace(i, end - i, kMask);
    pos = i + kMask.size();
  }
  return s;
}

std::string FormatValueForDisplay(const Setting& setting, const SettingValue& value) {
  if (!setting.secret) return FormatValue(value);
  const std::string& s = std::get<std::string>(value);
  if (s.empty()) return FormatValue(value);
  if (setting.key == "postgres.conninfo") return FormatValue(MaskConninfo(s));
  return FormatValue(std::string("********"));
}

std::vector<std::string> CrossCheck(const Config& config) {
  std::vector<std::string> problems;
  if (config.http.tls_cert.empty() != config.http.tls_key.empty()) {
    problems.push_back("http.tls_cert and http.tls_key must be set together (both for HTTPS, neither for HTTP)");
  }
  if (config.postgres.enabled && config.postgres.conninfo.empty()) {
    problems.push_back("postgres.enabled is true but postgres.conninfo is empty");
  }
  return problems;
}

std::vector<std::string> SecurityWarnings(const Config& config) {
  std::vector<std::string> warnings;
  if (config.freeswitch.password == Config{}.freeswitch.password) {
    warnings.push_back(
        "freeswitch.password is FreeSWITCH's default (ClueCon): whoever reaches the event socket controls the "
        "switch; set a long random one in event_socket.conf.xml and here (docs/FREESWITCH.md section 1)");
  }
  return warnings;
}

}  // namespace tarifador::config
