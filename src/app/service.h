#pragma once
// The running service behind `tarifador serve`: the wiring of store, HTTP
// server and readiness checks, and their lifetimes (STYLE.md: only app knows
// everyone). Subsystems that land later (rating, billing, ESL, export, sync)
// are started here and register their readiness checks and metrics.
#include <memory>
#include <string>

#include "app/alert_delivery.h"
#include "app/alert_watch.h"
#include "app/call_billing.h"
#include "app/cdr_retention_service.h"
#include "app/export_service.h"
#include "app/mirror_service.h"
#include "base/status.h"
#include "base/steady_clock.h"
#include "base/time.h"
#include "config/config.h"
#include "http/event_hub.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "http/server.h"
#include "http/services.h"
#include "rating/rate_book.h"
#include "store/audit_store.h"
#include "store/database.h"
#include "store/user_store.h"
#include "store/writer.h"

namespace tarifador::app {

// Creates data_dir (and parents) when missing, data_dir itself private
// (0700), then opens the store read-write, which creates or migrates its
// schema; the store's files are 0600 whatever the umask. For serve and the CLI commands that
// write. Fails with Unavailable naming the directory or file, or as
// store::Database::Open does.
base::Result<std::unique_ptr<store::Database>> OpenStoreForWriting(const config::Config& cfg);

class Service {
 public:
  struct Options {
    // The clock for everything time-driven (billing, sessions); the system
    // clock when null. Tests and the demo pass the simulator's clock so a
    // sped-up simulated FreeSWITCH and tarifador agree on what "now" is.
    // Borrowed; must outlive the service.
    const base::Clock* clock = nullptr;
    // The monotonic clock for billing's timers; when null, the real one, or
    // with `clock` set, monotonic time read off `clock` (so a sped-up or
    // hand-moved simulator drives them too). Borrowed.
    const base::SteadyClock* steady_clock = nullptr;
  };

  // Starts everything for `cfg`: data dir, store (writer thread, site id
  // check), user and audit stores, the rate book (every plan loaded from the
  // store and compiled), call billing (billing thread, FreeSWITCH link),
  // readiness checks, metrics, HTTP server.
  // Returns once the server accepts connections. Fails with the first
  // subsystem's failure; whatever had started is stopped again.
  static base::Result<std::unique_ptr<Service>> Start(const config::Config& cfg, const Options& options);

  ~Service();  // Stop()s
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // The HTTP port actually bound (useful with http.listen "...:0").
  int http_port() const;

  // Stops the HTTP server (in-flight requests finish), the FreeSWITCH link
  // and the billing thread (after what it has queued), then drains and stops
  // the store writer. Idempotent. Call from the thread that started it.
  void Stop();

  // The live rate book: loaded at start, updated by imports through the API.
  // Thread-safe.
  const rating::RateBookHolder& rate_book() const { return rate_book_; }

  // The billing thread and the FreeSWITCH link (tests, the demo).
  CallBilling& call_billing() { return *billing_; }

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  explicit Service(Key) {}

 private:
  base::SystemClock system_clock_;
  const base::Clock* clock_ = &system_clock_;
  std::unique_ptr<base::SteadyClock> own_steady_;
  const base::SteadyClock* steady_ = &base::RealSteadyClock::Instance();
  http::MetricsRegistry metrics_;
  http::Readiness readiness_;
  http::EventHub events_;                     // GET /api/v1/events; outlives billing_ and server_
  std::unique_ptr<http::LiveServices> live_;  // settings, data dir
  std::unique_ptr<store::Writer> writer_;
  std::unique_ptr<store::UserStore> users_;
  std::unique_ptr<store::AuditStore> audit_;
  rating::RateBookHolder rate_book_;
  std::unique_ptr<http::RatingServices> rating_;   // borrows rate_book_ and writer_
  std::unique_ptr<CallBilling> billing_;           // borrows writer_, rate_book_, metrics_, readiness_
  std::unique_ptr<MirrorService> mirror_;          // borrows writer_, metrics_
  std::unique_ptr<ExportService> export_;          // the CSV export scheduler
  std::unique_ptr<RetentionService> retention_;    // borrows writer_, metrics_
  std::unique_ptr<AlertWatch> alert_watch_;        // borrows writer_, billing_
  std::unique_ptr<AlertDelivery> alert_delivery_;  // borrows billing_'s outbox
  std::unique_ptr<http::Server> server_;
};

}  // namespace tarifador::app
