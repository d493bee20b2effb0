#pragma once
// The export schedule (SPEC section 6, docs/EXPORT.md "Schedule"): once a
// local day (month) of the office time zone has closed, plus a grace, its
// CSV file is made. Which periods are done is kept in the store's export log,
// so a period is never skipped: every pass makes every due period not yet
// done since the first CDR, so days missed while the box was off are made at
// the next start, oldest first, each once.
//
// A pass runs at Start() and then every minute on the scheduler's own thread.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/time.h"
#include "export/cdr_csv.h"
#include "export/cdr_source.h"
#include "export/period.h"
#include "store/export_log.h"

namespace tarifador::exports {

struct SchedulerOptions {
  std::string dir;  // export.dir; created when missing
  bool daily = true;
  bool monthly = true;
  CsvOptions csv;
  // A period is made no earlier than this long after it closed: a call is
  // written at its hangup, through the billing queue and the store writer,
  // normally within a second or two; 5 minutes also covers a FreeSWITCH
  // link that reconnects and reconciles the calls that ended meanwhile.
  int64_t grace_us = 5 * 60 * 1'000'000LL;
  // Optional: the start of the oldest call still up (the billing thread's
  // tracker), nullopt when none. CDRs are filed under their start, so a call
  // that began before midnight and is still up would be missing from its day:
  // the period waits until it has ended (at most max_wait_us past the grace).
  std::function<std::optional<base::Instant>()> oldest_open_call;
  int64_t max_wait_us = 6 * 3600 * 1'000'000LL;
};

class ExportScheduler {
 public:
  // Borrows `source`, `log` and `clock`; they must outlive the scheduler.
  ExportScheduler(const CdrSource& source, store::ExportLog& log, const base::Clock& clock, SchedulerOptions options);
  ~ExportScheduler();  // Stop()s
  ExportScheduler(const ExportScheduler&) = delete;
  ExportScheduler& operator=(const ExportScheduler&) = delete;

  // Starts the thread: a pass at once, then one a minute. Idempotent.
  void Start();
  // Stops and joins the thread (a file being written is finished first). Idempotent.
  void Stop();

  // One pass on the caller's thread (tests; the thread calls it too): makes
  // every due, not yet done period, oldest first. Returns how many files it
  // made, or the first failure (recorded in the log as a failed run; that
  // period is tried again next pass, later ones wait for it).
  base::Result<int> RunPass();

  // For GET /api/v1/exports and the status API. Thread-safe.
  struct State {
    uint64_t passes = 0;
    base::Instant last_pass_at;             // zero before the first
    std::string last_error;                 // of the last pass, "" if it succeeded
    std::optional<base::Instant> next_due;  // when the next period becomes due
    std::string dir;
  };
  State state() const;

  // Blocks until at least `n` passes have completed (tests).
  void WaitForPasses(uint64_t n) const;

 private:
  base::Result<int> RunKind(PeriodKind kind, base::Instant now);
  base::Result<bool> IsDue(const Period& p, base::Instant now) const;
  void ThreadMain();

  const CdrSource& source_;
  store::ExportLog& log_;
  const base::Clock& clock_;
  const SchedulerOptions options_;

  std::mutex pass_mu_;  // one pass at a time
  // The first period of each kind not known to be done; guarded by pass_mu_.
  std::optional<Period> next_daily_;
  std::optional<Period> next_monthly_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  State state_;         // guarded by mu_
  bool stop_ = false;   // guarded by mu_
  std::thread thread_;  // started/joined by the owner's thread
};

}  // namespace tarifador::exports
