#include "export/scheduler.h"

#include <chrono>
#include <filesystem>

#include "base/log.h"
#include "export/period_export.h"

namespace tarifador::exports {

ExportScheduler::ExportScheduler(const CdrSource& source, store::ExportLog& log, const base::Clock& clock,
                                 SchedulerOptions options)
    : source_(source), log_(log), clock_(clock), options_(std::move(options)) {
  state_.dir = options_.dir;
}

ExportScheduler::~ExportScheduler() { Stop(); }

void ExportScheduler::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { ThreadMain(); });
}

void ExportScheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ExportScheduler::ThreadMain() {
  while (true) {
    base::Result<int> made = RunPass();
    if (!made.ok()) base::LogWarning("export: " + made.status().message() + " (retrying in a minute)");
    std::unique_lock lock(mu_);
    // Real minutes even under a fake clock: the pass asks the clock what is due.
    if (cv_.wait_for(lock, std::chrono::minutes(1), [this] { return stop_; })) return;
  }
}

base::Result<bool> ExportScheduler::IsDue(const Period& p, base::Instant now) const {
  base::Result<base::Instant> end = PeriodEnd(p);
  if (!end.ok()) return end.status();
  const int64_t ready_us = end->micros() + options_.grace_us;
  if (now.micros() < ready_us) return false;
  if (options_.oldest_open_call && now.micros() < ready_us + options_.max_wait_us) {
    const std::optional<base::Instant> oldest = options_.oldest_open_call();
    if (oldest && *oldest < *end) return false;  // a call of this period is still up
  }
  return true;
}

base::Result<int> ExportScheduler::RunKind(PeriodKind kind, base::Instant now) {
  std::optional<Period>& next = kind == PeriodKind::kDaily ? next_daily_ : next_monthly_;
  if (!next) {
    base::Result<std::optional<base::Instant>> first = source_.FirstStart();
    if (!first.ok()) return first.status();
    if (!*first) return 0;  // no CDR yet: nothing is due
    next = PeriodContaining(kind, **first);
  }
  int made = 0;
  while (true) {
    base::Result<bool> due = IsDue(*next, now);
    if (!due.ok()) return due.status();
    if (!*due) return made;
    base::Result<bool> done = log_.IsDone(PeriodKindName(kind), next->Key());
    if (!done.ok()) return done.status();
    if (!*done) {
      const base::Instant started = clock_.Now();
      base::Result<PeriodFile> file = ExportPeriod(source_, *next, options_.dir, options_.csv, started);
      store::ExportRun run;
      run.kind = PeriodKindName(kind);
      run.period = next->Key();
      run.file = options_.dir + "/" + next->FileName();
      run.from = PeriodStart(*next).ok() ? *PeriodStart(*next) : base::Instant();
      run.to = PeriodEnd(*next).ok() ? *PeriodEnd(*next) : base::Instant();
      run.started_at = started;
      run.finished_at = clock_.Now();
      if (file.ok()) {
        run.rows = file->rows;
        run.sha256 = file->sha256;
        run.status = "ok";
      } else {
        run.status = "failed";
        run.error = file.status().message();
      }
      TARIFADOR_RETURN_IF_ERROR(log_.Record(run));
      if (!file.ok()) {
        return base::Status(file.status().code(), "exporting " + run.file + ": " + file.status().message());
      }
      base::LogInfo("export: wrote " + run.file + " (" + std::to_string(run.rows) + " CDRs)");
      ++made;
    }
    *next = NextPeriod(*next);
  }
}

base::Result<int> ExportScheduler::RunPass() {
  std::lock_guard pass_lock(pass_mu_);
  const base::Instant now = clock_.Now();
  int made = 0;
  base::Status failure;
  if (options_.daily || options_.monthly) {
    std::error_code ec;
    std::filesystem::create_directories(options_.dir, ec);
    if (ec) failure = base::Unavailable("creating export.dir \"" + options_.dir + "\": " + ec.message());
  }
  for (PeriodKind kind : {PeriodKind::kDaily, PeriodKind::kMonthly}) {
    if (!failure.ok()) break;
    if ((kind == PeriodKind::kDaily && !options_.daily) || (kind == PeriodKind::kMonthly && !options_.monthly)) {
      continue;
    }
    base::Result<int> n = RunKind(kind, now);
    if (n.ok()) {
      made += *n;
    } else {
      failure = n.status();
    }
  }
  // When the next period becomes due (the earlier of the kinds).
  std::optional<base::Instant> next_due;
  for (const std::optional<Period>* p : {&next_daily_, &next_monthly_}) {
    if (!*p) continue;
    base::Result<base::Instant> end = PeriodEnd(**p);
    if (!end.ok()) continue;
    const base::Instant due = base::Instant::FromMicros(end->micros() + options_.grace_us);
    if (!next_due || due < *next_due) next_due = due;
  }
  {
    std::lock_guard lock(mu_);
    ++state_.passes;
    state_.last_pass_at = now;
    state_.last_error = failure.ok() ? "" : failure.message();
    state_.next_due = next_due;
  }
  cv_.notify_all();
  if (!failure.ok()) return failure;
  return made;
}

ExportScheduler::State ExportScheduler::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

void ExportScheduler::WaitForPasses(uint64_t n) const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return state_.passes >= n; });
}

}  // namespace tarifador::exports
