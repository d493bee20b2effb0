#pragma once
// tarifador's settings (SPEC sections 8 and 10). Every key has a default, an
// environment variable and a validator in one table (settings_table.h); this
// struct is the parsed, validated result. Dotted keys are nested JSON objects:
// "http.listen" is {"http": {"listen": ...}}.
// The member initializers below ARE the defaults: the settings table reads them
// through its field bindings, so each default is written exactly once.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tarifador::config {

struct HttpSettings {
  std::string listen = "0.0.0.0:8080";       // http.listen, "host:port"
  int64_t max_body_bytes = 8 * 1024 * 1024;  // http.max_body_bytes
  int64_t max_connections = 256;             // http.max_connections
  int64_t max_connections_per_address = 32;  // http.max_connections_per_address
  std::string tls_listen = "0.0.0.0:8443";   // http.tls_listen ("" = no HTTPS listener)
  std::string tls_cert;                      // http.tls_cert (PEM file; TLS on when both are set)
  std::string tls_key;                       // http.tls_key
  bool operator==(const HttpSettings&) const = default;
};

struct FreeswitchSettings {
  std::string host = "127.0.0.1";    // freeswitch.host
  int64_t port = 8021;               // freeswitch.port
  std::string password = "ClueCon";  // freeswitch.password (FreeSWITCH's own default)
  std::string json_cdr_dir;          // freeswitch.json_cdr_dir: mod_json_cdr's files, billed and deleted; "": off
  std::string socket_listen;         // freeswitch.socket_listen: the dialplan's outbound socket; "": off
  bool operator==(const FreeswitchSettings&) const = default;
};

struct BillingSettings {
  int64_t debit_interval = 60;            // billing.debit_interval, seconds
  std::string when_down = "deny";         // billing.when_down: "deny" | "allow"
  int64_t max_call_seconds = 86'400;      // billing.max_call_seconds: a backfilled CDR billing more is refused
  std::string max_recharge = "10000.00";  // billing.max_recharge: the most one recharge may add; "" no limit
  bool operator==(const BillingSettings&) const = default;
};

// The names guards.office_days takes, Monday first (bit 0 of
// billing::OfficeHours::days).
inline constexpr std::array<std::string_view, 7> kWeekdayNames = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// Toll-fraud guards, box-wide (docs/BILLING.md "Toll-fraud guards"). Each is
// off when empty; app turns them into billing::Authorizer::Options.
struct GuardSettings {
  std::string max_price_per_minute;  // guards.max_price_per_minute: "3.00"; dearer destinations refused
  std::string blocked_prefixes;      // guards.blocked_prefixes: "44870,4490,88213": normalised prefixes refused
  std::string blocked_zones;         // guards.blocked_zones: "Premium,Satellite": rate zones refused
  std::string international_hours;   // guards.international_hours: "08:00-20:00": international calls only then
  std::string office_days = "mon,tue,wed,thu,fri";  // guards.office_days: the days of those hours
  std::string holidays;                             // guards.holidays: "2026-12-25,2027-01-01": closed all day
  std::string max_call_cost;                        // guards.max_call_cost: "20.00": the most one call may cost
  int64_t max_concurrent_calls = 0;                 // guards.max_concurrent_calls: per extension; 0 off
  int64_t max_calls_per_hour = 0;                   // guards.max_calls_per_hour: per extension; 0 off
  int64_t max_repeats_per_hour = 0;                 // guards.max_repeats_per_hour: one number, per extension; 0 off
  std::string max_daily_spend;                      // guards.max_daily_spend: "50.00": per account and office day
  std::string alert_only;                           // guards.alert_only: "guard_after_hours,...": rules that only alert
  int64_t spike_factor = 0;                         // guards.spike_factor: this hour above N times the usual; 0 off
  int64_t spike_min_calls = 20;                     // guards.spike_min_calls
  std::string spike_min_cost = "20.00";             // guards.spike_min_cost
  bool operator==(const GuardSettings&) const = default;
};

// The toll-fraud guards' rule names (billing::AuthorizationReason names),
// which guards.alert_only may list.
inline constexpr std::array<std::string_view, 9> kGuardRules = {
    "guard_blocked_prefix",   "guard_blocked_zone",   "guard_price_per_minute", "guard_after_hours", "guard_call_cost",
    "guard_concurrent_calls", "guard_calls_per_hour", "guard_repeated_number",  "guard_daily_spend"};

// PIN / authorization codes (docs/BILLING.md "PIN codes").
struct PinSettings {
  std::string prefix = "*7";  // pins.prefix: dialled before the number of a PIN call; empty: PIN calls off
  int64_t max_failures = 5;   // pins.max_failures: wrong codes per code number (twice that per phone) in 15 min
  bool operator==(const PinSettings&) const = default;
};

// The office's dial-plan habits and the default rate plan (SPEC section 2;
// docs/RATING.md "Dialled number normalisation"). app maps these onto
// rating::DialPlanRules; every code is a digit string, empty: rule off.
struct RatingSettings {
  std::string default_plan = "default";     // rating.default_plan: plan used when a request names none
  std::string outside_line_code;            // rating.outside_line_code: "9", "0"
  std::string international_prefix = "00";  // rating.international_prefix: "00", "011"
  std::string national_prefix;              // rating.national_prefix: trunk prefix "0", "1"
  std::string country_code;                 // rating.country_code: "44", "49", "1"
  int64_t national_number_digits = 0;       // rating.national_number_digits: NANP 10; 0: off
  int64_t max_extension_digits = 0;         // rating.max_extension_digits: internal extensions; 0: off
  bool operator==(const RatingSettings&) const = default;
};

struct ExportSettings {
  std::string dir;        // export.dir; empty: <data_dir>/export
  bool daily = true;      // export.daily: cdrs-YYYY-MM-DD.csv after each local day
  bool monthly = true;    // export.monthly: cdrs-YYYY-MM.csv after each local month
  std::string columns;    // export.columns: comma-separated names; empty: every CDR field
  std::string time_zone;  // export.time_zone: "" = the office time_zone, or "UTC"
  bool operator==(const ExportSettings&) const = default;
};

struct PostgresSettings {
  bool enabled = false;            // postgres.enabled
  std::string conninfo;            // postgres.conninfo (libpq connection string)
  int64_t batch_rows = 2000;       // postgres.batch_rows: outbox rows per PostgreSQL transaction
  int64_t retry_max_seconds = 60;  // postgres.retry_max_seconds: backoff cap after failures
  bool operator==(const PostgresSettings&) const = default;
};

// Alert delivery by e-mail (docs/ALERTS.md "Delivery"); recipients, webhooks
// included, live in the store.
struct AlertSettings {
  std::string smtp_url;       // alerts.smtp_url: "smtp://host:587" (STARTTLS required) | "smtps://host:465"; "": off
  std::string smtp_username;  // alerts.smtp_username
  std::string smtp_password;  // alerts.smtp_password (secret)
  std::string smtp_from;      // alerts.smtp_from: the sender address
  std::string ca_file;        // alerts.ca_file: PEM CAs for the mail server and webhooks; "": the system's
  std::string low_balance;    // alerts.low_balance: "5.00": a prepaid balance falling below it is an alert; "": off
  bool operator==(const AlertSettings&) const = default;
};

// CDR retention (docs/OPERATIONS.md "CDR retention").
struct RetentionSettings {
  int64_t cdr_days = 0;  // retention.cdr_days: prune CDRs this many days old once exported and mirrored; 0: never
  bool operator==(const RetentionSettings&) const = default;
};

struct Config {
  std::string data_dir = "/var/lib/tarifador";  // data_dir
  std::string site_id;                          // site_id; empty: the host name
  std::string log_level = "info";               // log_level
  std::string time_zone;                        // time_zone: office zone (IANA name); empty: the box's own
  HttpSettings http;
  FreeswitchSettings freeswitch;
  BillingSettings billing;
  GuardSettings guards;
  PinSettings pins;
  RatingSettings rating;
  ExportSettings export_;  // "export" is a keyword-like name in C++ modules
  PostgresSettings postgres;
  AlertSettings alerts;
  RetentionSettings retention;

  // The SQLite store file inside data_dir.
  std::string StorePath() const { return data_dir + "/tarifador.db"; }
  // Where CSV exports go: export.dir, or <data_dir>/export when it is empty.
  std::string ExportDir() const { return export_.dir.empty() ? data_dir + "/export" : export_.dir; }

  bool operator==(const Config&) const = default;
};

}  // namespace tarifador::config
