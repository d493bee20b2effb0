#include "app/alert_watch.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "base/json_parse.h"
#include "base/log.h"
#include "store/spend_hours.h"

namespace tarifador::app {

AlertWatch::AlertWatch(store::Writer& writer, const base::Clock& clock, std::function<esl::LinkStatus()> link,
                       Options options)
    : writer_(writer), clock_(clock), link_(std::move(link)), options_(options), started_at_(clock.Now()) {}

AlertWatch::~AlertWatch() { Stop(); }

void AlertWatch::Start() {
  thread_ = std::thread([this] { ThreadMain(); });
}

void AlertWatch::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

base::Status AlertWatch::CheckOnce() {
  const base::Instant now = clock_.Now();
  TARIFADOR_RETURN_IF_ERROR(CheckLink(now));
  TARIFADOR_RETURN_IF_ERROR(CheckMirror(now));
  return CheckSpike(now);
}

base::Status AlertWatch::Raise(const store::NewAlert& alert, base::Instant now, bool* raised) {
  return writer_.Run([&](SQLite::Database& db) {
    *raised = store::RaiseAlertIn(db, alert, now);
    return base::Status::Ok();
  });
}

base::Status AlertWatch::CheckLink(base::Instant now) {
  const esl::LinkStatus link = link_();
  // kStopped: the service is stopping (or never started its link).
  if (link.state == esl::LinkState::kUp || link.state == esl::LinkState::kStopped) return base::Status::Ok();
  // The outage began when the last connection that came up ended; `since`
  // will not do, as it moves with every attempt (connecting, backoff, ...).
  // Never up: since this watch started.
  const base::Instant outage = link.connects > 0 ? link.last_down_at : started_at_;
  const int64_t down_us = now.micros() - outage.micros();
  if (down_us < std::chrono::duration_cast<std::chrono::microseconds>(options_.link_grace).count()) {
    return base::Status::Ok();
  }
  const nlohmann::json detail = {{"address", link.address},
                                 {"since", base::FormatIso8601(outage)},
                                 {"last_error", link.last_error},
                                 {"ever_up", link.connects > 0}};
  bool raised = false;
  TARIFADOR_RETURN_IF_ERROR(
      Raise(store::NewAlert{"link_down", "critical", "link_down:" + std::to_string(outage.micros()), std::nullopt,
                            base::DumpJson(detail)},
            now, &raised));
  if (raised)
    base::LogWarning("alert: FreeSWITCH event socket " + link.address + " down since " + base::FormatIso8601(outage));
  return base::Status::Ok();
}

base::Status AlertWatch::CheckMirror(base::Instant now) {
  if (!mirror_) return base::Status::Ok();
  const http::MirrorInfo m = mirror_();
  if (!m.enabled || m.backlog == 0 || m.oldest_pending.micros() == 0) return base::Status::Ok();
  const int64_t lag_us = now.micros() - m.oldest_pending.micros();
  if (lag_us < std::chrono::duration_cast<std::chrono::microseconds>(options_.mirror_lag).count()) {
    return base::Status::Ok();
  }
  // One alert per backlog: while the same row is the oldest, it is the same
  // one; once the mirror catches up, a later backlog starts with a new row.
  const nlohmann::json detail = {
      {"rows", m.backlog}, {"oldest", base::FormatIso8601(m.oldest_pending)}, {"last_error", m.last_error}};
  bool raised = false;
  TARIFADOR_RETURN_IF_ERROR(
      Raise(store::NewAlert{"mirror_backlog", "warning", "mirror_backlog:" + std::to_string(m.oldest_pending.micros()),
                            std::nullopt, base::DumpJson(detail)},
            now, &raised));
  if (raised) {
    base::LogWarning("alert: the PostgreSQL mirror is " + std::to_string(m.backlog) + " rows behind, the oldest from " +
                     base::FormatIso8601(m.oldest_pending));
  }
  return base::Status::Ok();
}

base::Status AlertWatch::CheckSpike(base::Instant now) {
  if (options_.spike.factor <= 0) return base::Status::Ok();
  base::Result<std::optional<billing::Spike>> spike = store::RaiseSpendSpike(writer_, now, options_.spike);
  if (!spike.ok()) return spike.status();
  if (*spike) {
    base::LogWarning("alert: " + std::to_string((*spike)->now.calls) + " outbound calls costing " +
                     (*spike)->now.cost.ToString() + " this hour, against " + std::to_string((*spike)->usual.calls) +
                     " calls and " + (*spike)->usual.cost.ToString() + " usually (spend_spike)");
  }
  return base::Status::Ok();
}

void AlertWatch::ThreadMain() {
  // The thread's one top-level catch: a check that throws is logged and the
  // next one runs.
  while (true) {
    try {
      if (base::Status s = CheckOnce(); !s.ok()) base::LogWarning("alert watch: " + s.message());
    } catch (const std::exception& e) {
      base::LogError(std::string("alert watch: ") + e.what());
    }
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, options_.interval, [this] { return stop_; })) return;
  }
}

}  // namespace tarifador::app
