#pragma once
// CDR retention as app runs it (SPEC section 5, docs/OPERATIONS.md "CDR
// retention"): the policy read from the config (retention.cdr_days, which
// export kinds count) shared by `tarifador serve` and `tarifador cdr prune`,
// and the background pass inside serve: at start, then once a day by the
// injected clock. The rules themselves are in store/cdr_retention.h.
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/time.h"
#include "config/config.h"
#include "http/metrics_registry.h"
#include "http/services.h"
#include "store/cdr_retention.h"
#include "store/writer.h"

namespace tarifador::app {

// What the config asks for at `now`. When `active` is false nothing may be
// pruned and `reason` says why (cdr_days is 0, or no scheduled export is on
// so no CDR ever counts as exported). Otherwise `options` has the cutoff
// (now - cdr_days x 24 h, exact UTC hours, not office-calendar days) and
// every enabled export kind (a CDR must be in the daily AND the monthly file
// when both are on).
struct RetentionPlan {
  bool active = false;
  std::string reason;
  store::RetentionOptions options;
};
RetentionPlan PlanRetention(const config::Config& cfg, base::Instant now);

class RetentionService {
 public:
  // Registers tarifador_cdrs_pruned_total in `metrics` and, when the plan is
  // active, starts the thread (a pass at once, then one every 24 h of
  // `clock`). Borrows writer, clock and metrics; they must outlive the
  // service (and `metrics` must not render after it is destroyed).
  static std::unique_ptr<RetentionService> Start(const config::Config& cfg, store::Writer& writer,
                                                 const base::Clock& clock, http::MetricsRegistry& metrics);
  ~RetentionService();  // Stop()s
  RetentionService(const RetentionService&) = delete;
  RetentionService& operator=(const RetentionService&) = delete;

  // Stops the thread; a pass in progress ends after its current chunk. Idempotent.
  void Stop();

  // One pass on the caller's thread (the thread's pass, tests). Records the
  // result for info() and plans the next pass 24 h later (1 h after a
  // failure); fails with FailedPrecondition when retention is off, or as
  // store::PruneCdrs.
  base::Result<store::RetentionResult> RunPass();

  // The status API's view. Thread-safe.
  http::RetentionInfo info() const;

  // Without the thread (tests drive RunPass themselves; Start() adds it).
  // `pruned_total` is the tarifador_cdrs_pruned_total counter. Borrows all.
  RetentionService(const config::Config& cfg, store::Writer& writer, const base::Clock& clock,
                   http::Counter& pruned_total);

 private:
  void ThreadMain();
  bool Stopping() const;

  const config::Config cfg_;
  store::Writer& writer_;
  const base::Clock& clock_;
  http::Counter& pruned_total_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  http::RetentionInfo info_;  // guarded by mu_
  bool stop_ = false;         // guarded by mu_
  std::thread thread_;
};

}  // namespace tarifador::app
