#pragma once
// What route handlers may use. The server builds one Services from the
// dependencies app hands it (ServerDeps in http/server.h) and passes it to
// every handler. Later subsystems (billing, rating, export) add members here;
// a member a handler needs may be null when app has not wired that subsystem
// yet, and the handler then answers 503.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "billing/authorizer.h"
#include "billing/call_tracker.h"
#include "billing/repository.h"
#include "http/event_hub.h"
#include "http/login_throttle.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "rating/number_normaliser.h"
#include "rating/rate_book.h"
#include "store/alert_outbox.h"
#include "store/alert_store.h"
#include "store/audit_store.h"
#include "store/cdr_query.h"
#include "store/pin_store.h"
#include "store/user_store.h"
#include "store/writer.h"

namespace tarifador::http {

// The PostgreSQL mirror as the status API shows it (docs/MIRROR.md).
struct MirrorInfo {
  bool enabled = false;
  int64_t backlog = 0;           // outbox rows not yet in PostgreSQL
  base::Instant oldest_pending;  // zero: none
  base::Instant last_success;    // zero: never
  std::string last_error;        // "" if none (password never included)
  base::Instant last_error_at;   // zero: never
  uint64_t rows_pushed = 0;      // since the process started
};

// CDR retention as the status API shows it (docs/OPERATIONS.md "CDR retention").
struct RetentionInfo {
  int64_t cdr_days = 0;       // retention.cdr_days; 0: keep forever
  bool active = false;        // pruning runs (cdr_days > 0 and a scheduled export is on)
  std::string reason;         // why it does not run, "" when active
  base::Instant last_run_at;  // zero: not yet
  base::Instant next_run_at;  // zero: none planned
  int64_t last_pruned = 0;    // CDRs deleted by the last run
  int64_t last_kept_not_exported = 0;
  int64_t last_kept_not_mirrored = 0;
  std::string last_error;     // of the last run, "" if it succeeded
  uint64_t pruned_total = 0;  // since the process started
};

// Facts for GET /api/v1/status and the build-info metric, set once by app.
// The HTTPS listener, for the status page: where, and the certificate a user
// checks the browser's warning against.
struct HttpsInfo {
  std::string listen;  // "0.0.0.0:8443"
  int port = 0;
  bool self_signed = false;
  std::string fingerprint_sha256;
  std::string subject;
  std::string not_after;
};

struct StatusInfo {
  std::string version;     // "0.1.0"
  std::string revision;    // git revision or "unknown"
  std::string store_path;  // the SQLite file
  base::Instant started_at;
  // The PostgreSQL mirror for the "mirror" object (null: shown as disabled).
  // Thread-safe; app fills it from the sync worker.
  std::function<MirrorInfo()> mirror = nullptr;
  // CDR retention for the "retention" object (null: the object is left out).
  // Thread-safe.
  std::function<RetentionInfo()> retention = nullptr;
  // Filled by the server when it serves HTTPS (null: plain HTTP only).
  std::optional<HttpsInfo> https = std::nullopt;
};

// What the rating routes (quote, rate plans, import) use. Built by app from
// the config and the store (or by a test); must outlive the server.
// Thread-safe: the holder, the normaliser (immutable) and the writer are, and
// imports serialise on import_mu.
struct RatingServices {
  // `book`: the live rate book, read by every quote and replaced plan by plan
  // on import. `normaliser`: the configured dial-plan rules. `default_plan`:
  // rating.default_plan. `writer`: the store's writer thread, for imports.
  RatingServices(rating::RateBookHolder& book_in, rating::NumberNormaliser normaliser_in, std::string default_plan_in,
                 store::Writer& writer_in)
      : book(book_in),
        normaliser(std::move(normaliser_in)),
        default_plan(std::move(default_plan_in)),
        writer(writer_in) {}
  RatingServices(const RatingServices&) = delete;
  RatingServices& operator=(const RatingServices&) = delete;

  rating::RateBookHolder& book;
  const rating::NumberNormaliser normaliser;
  const std::string default_plan;
  store::Writer& writer;
  // Held by an import from its store job until it has published the plan, so
  // the book ends with the plan of the import that committed last.
  std::mutex import_mu;
};

// The FreeSWITCH link as the status API shows it (app fills it from the ESL
// client; http never sees ESL types).
struct LinkInfo {
  std::string state;       // "connecting", "authenticating", "up", "backoff", "stopped"
  std::string address;     // "host:port"
  base::Instant since;     // when `state` was entered
  std::string last_error;  // "" if never
  base::Instant last_error_at;
  uint64_t connects = 0;  // connections that came up
  uint64_t events_received = 0;
  base::Instant last_event_at;  // zero if none
  // FreeSWITCH's clock minus the box's, measured at the latest event
  // (billing::SwitchClock); none before any event.
  std::optional<int64_t> clock_offset_us;
};

// What the billing routes (accounts, extensions, ledger, recharges,
// authorize, active calls, the mod_json_cdr backfill) use. Built by app;
// must outlive the server. Every member is thread-safe.
struct BillingServices {
  // Accounts, extensions, the ledger (writes go through the store writer).
  billing::Repository& repository;
  // GET /api/v1/authorize: the same decision CHANNEL_CREATE gets.
  const billing::Authorizer& authorizer;
  // A snapshot of the calls the billing thread tracks now.
  // Unavailable when the billing thread does not answer in time (never an
  // empty list it does not know to be true).
  std::function<base::Result<std::vector<billing::CallTracker::ActiveCall>>()> active_calls;
  // Bills one mod_json_cdr POST (the body and its Content-Type, in any
  // encoding mod_json_cdr posts) on the billing thread, as the
  // CHANNEL_HANGUP_COMPLETE of that leg, and waits for it. Returns
  // "billed", "already_billed" or "not_billed" (another leg of a call,
  // which is never billed on its own); fails with InvalidArgument for a body
  // that is not a mod_json_cdr document (nothing changes), Unavailable when
  // the store is down (mod_json_cdr then retries).
  std::function<base::Result<std::string>(std::string_view body, std::string_view content_type)> backfill;
  // The FreeSWITCH event socket link, for the status API.
  std::function<LinkInfo()> link;
  // CDR search, detail, reports and export (null: those routes answer 503).
  const store::CdrQuery* cdrs = nullptr;
  // Alerts: listed and acknowledged (null: those routes answer 503).
  store::AlertStore* alerts = nullptr;
  // Alert recipients and deliveries (null: those routes answer 503).
  store::AlertOutbox* alert_outbox = nullptr;
  // PIN codes (null: those routes answer 503).
  store::PinStore* pins = nullptr;
  // billing.max_recharge: the most one recharge may add (nullopt: the API's
  // own limit only).
  std::optional<base::Money> max_recharge = std::nullopt;
};

// What the live-update and settings routes use, set by app (or a test).
struct LiveServices {
  // GET /api/v1/settings: the effective configuration as a JSON object text
  // {"key": {"value", "source"}}, secrets already redacted ("***").
  std::function<std::string()> settings_json;
  // GET /api/v1/status "disk": statvfs of this directory (config data_dir).
  std::string data_dir;
};

struct ExportServices;  // http/export_handlers.h

// Borrowed references; everything outlives the server. All members are
// thread-safe, as handlers run on several worker threads at once.
struct Services {
  const base::Clock& clock;
  store::UserStore& users;
  store::AuditStore& audit;
  MetricsRegistry& metrics;
  Readiness& readiness;
  LoginThrottle& throttle;
  const StatusInfo& status;
  bool secure_cookies;                 // TLS on: the session cookie gets "Secure"
  int64_t session_ttl_us;              // lifetime of a login session
  RatingServices* rating;              // null until app wires rating: its routes answer 503
  BillingServices* billing = nullptr;  // null: the billing routes answer 503
  EventHub* events = nullptr;          // null: GET /api/v1/events answers 503
  const LiveServices* live = nullptr;  // null: settings answer 503, status omits disk and store
  ExportServices* exports = nullptr;   // null: the CSV export routes answer 503, status omits "export"
};

}  // namespace tarifador::http
