#include "app/cdr_retention_service.h"

#include <chrono>

#include "base/log.h"

namespace tarifador::app {
namespace {

constexpr int64_t kDayUs = 86'400LL * 1'000'000;
constexpr int64_t kRetryUs = 3'600LL * 1'000'000;

}  // namespace

RetentionPlan PlanRetention(const config::Config& cfg, base::Instant now) {
  RetentionPlan plan;
  if (cfg.retention.cdr_days <= 0) {
    plan.reason = "retention.cdr_days is 0: every CDR is kept";
    return plan;
  }
  if (cfg.export_.daily) plan.options.export_kinds.push_back("daily");
  if (cfg.export_.monthly) plan.options.export_kinds.push_back("monthly");
  if (plan.options.export_kinds.empty()) {
    // SPEC section 5: never before they were exported.
    plan.reason = "export.daily and export.monthly are both false: no CDR is ever exported, so none is pruned";
    return plan;
  }
  plan.active = true;
  plan.options.cutoff = base::Instant::FromMicros(now.micros() - cfg.retention.cdr_days * kDayUs);
  return plan;
}

std::unique_ptr<RetentionService> RetentionService::Start(const config::Config& cfg, store::Writer& writer,
                                                          const base::Clock& clock, http::MetricsRegistry& metrics) {
  http::Counter& pruned = metrics.AddCounter(
      "tarifador_cdrs_pruned_total", "CDRs deleted by retention (retention.cdr_days) since the process started");
  auto svc = std::make_unique<RetentionService>(cfg, writer, clock, pruned);
  if (svc->info_.active) {
    base::LogInfo("retention: CDRs older than " + std::to_string(cfg.retention.cdr_days) +
                  " days are pruned once exported and mirrored");
    svc->thread_ = std::thread([s = svc.get()] { s->ThreadMain(); });
  }
  return svc;
}

RetentionService::RetentionService(const config::Config& cfg, store::Writer& writer, const base::Clock& clock,
                                   http::Counter& pruned_total)
    : cfg_(cfg), writer_(writer), clock_(clock), pruned_total_(pruned_total) {
  const RetentionPlan plan = PlanRetention(cfg_, clock_.Now());
  info_.cdr_days = cfg_.retention.cdr_days;
  info_.active = plan.active;
  info_.reason = plan.reason;
}

RetentionService::~RetentionService() { Stop(); }

void RetentionService::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool RetentionService::Stopping() const {
  std::lock_guard lock(mu_);
  return stop_;
}

base::Result<store::RetentionResult> RetentionService::RunPass() {
  const base::Instant now = clock_.Now();
  RetentionPlan plan = PlanRetention(cfg_, now);
  if (!plan.active) return base::FailedPrecondition("CDR retention is off: " + plan.reason);
  plan.options.stop = [this] { return Stopping(); };
  base::Result<store::RetentionResult> result = store::PruneCdrs(writer_, plan.options);
  if (result.ok()) pruned_total_.Inc(static_cast<uint64_t>(result->pruned));
  std::lock_guard lock(mu_);
  info_.last_run_at = now;
  // A failed pass (store busy or unreadable) is tried again within the hour.
  info_.next_run_at = base::Instant::FromMicros(now.micros() + (result.ok() ? kDayUs : kRetryUs));
  if (result.ok()) {
    info_.last_pruned = result->pruned;
    info_.last_kept_not_exported = result->kept_not_exported;
    info_.last_kept_not_mirrored = result->kept_not_mirrored;
    info_.last_error.clear();
  } else {
    info_.last_error = result.status().message();
  }
  return result;
}

void RetentionService::ThreadMain() {
  while (true) {
    base::Result<store::RetentionResult> r = RunPass();
    if (r.ok()) {
      base::LogInfo("retention: pruned " + std::to_string(r->pruned) + " CDRs; kept " +
                    std::to_string(r->kept_not_exported) + " old ones not exported yet, " +
                    std::to_string(r->kept_not_mirrored) + " not mirrored yet");
    } else {
      base::LogWarning("retention: " + r.status().message() + " (retrying in an hour)");
    }
    // Real minutes even under a fake clock (as the export scheduler): the
    // clock says when the next day's pass is due.
    std::unique_lock lock(mu_);
    while (true) {
      if (cv_.wait_for(lock, std::chrono::minutes(10), [this] { return stop_; })) return;
      if (clock_.Now() >= info_.next_run_at) break;
    }
  }
}

http::RetentionInfo RetentionService::info() const {
  std::lock_guard lock(mu_);
  http::RetentionInfo copy = info_;
  copy.pruned_total = pruned_total_.value();
  return copy;
}

}  // namespace tarifador::app
