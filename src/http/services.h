#pragma once
// What route handlers may use. The server builds one Services from the
// dependencies app hands it (ServerDeps in http/server.h) and passes it to
// every handler. Later subsystems (billing, rating, export) add members here;
// a member a handler needs may be null when app has not wired that subsystem
// yet, and the handler then answers 503.
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "billing/authorizer.h"
#include "billing/call_tracker.h"
#include "billing/repository.h"
#include "http/login_throttle.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "rating/number_normaliser.h"
#include "rating/rate_book.h"
#include "store/audit_store.h"
#include "store/user_store.h"
#include "store/writer.h"

namespace tarifador::http {

// Facts for GET /api/v1/status and the build-info metric, set once by app.
struct StatusInfo {
  std::string version;     // "0.1.0"
  std::string revision;    // git revision or "unknown"
  std::string store_path;  // the SQLite file
  base::Instant started_at;
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
  std::function<std::vector<billing::CallTracker::ActiveCall>()> active_calls;
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
};

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
};

}  // namespace tarifador::http
