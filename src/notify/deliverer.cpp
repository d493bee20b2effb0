#include "notify/deliverer.h"

#include <algorithm>

#include "base/log.h"
#include "notify/envelope.h"
#include "notify/quiet_hours.h"

namespace tarifador::notify {

std::chrono::seconds RetryDelay(int64_t failed_attempts) {
  int64_t seconds = 10;
  for (int64_t i = 1; i < failed_attempts && seconds < 3600; ++i) seconds *= 3;
  return std::chrono::seconds(std::min<int64_t>(seconds, 3600));
}

Deliverer::Deliverer(store::AlertOutbox& outbox, Transport& transport, const base::Clock& clock,
                     const base::SteadyClock& steady, Options options)
    : outbox_(outbox), transport_(transport), clock_(clock), steady_(steady), options_(std::move(options)) {}

Deliverer::~Deliverer() { Stop(); }

base::Result<Deliverer::PassResult> Deliverer::DeliverDue() {
  PassResult result;
  const base::Instant now = clock_.Now();
  base::Result<std::vector<store::DueDelivery>> due = outbox_.Due(now, options_.batch);
  if (!due.ok()) return due.status();
  for (const store::DueDelivery& d : *due) {
    const store::AlertRecipient& r = d.recipient;
    if (r.quiet_from && r.quiet_to) {
      if (std::optional<base::Instant> until = QuietUntil(now, *r.quiet_from, *r.quiet_to)) {
        base::Status s = outbox_.Defer(d.id, *until);
        if (!s.ok()) return s;
        ++result.deferred;
        continue;
      }
    }
    base::Status sent;
    if (r.channel == "email") {
      if (!options_.mail_configured || options_.mail_from.empty()) {
        sent = base::FailedPrecondition("e-mail is not set up: alerts.smtp_url and alerts.smtp_from are needed");
      } else {
        sent = transport_.Send(BuildMail(d, options_.mail_from, options_.site, clock_.Now()));
      }
    } else {
      sent = transport_.Post(BuildWebhook(d, options_.site, clock_.Now()));
    }
    const base::Instant after = clock_.Now();
    if (sent.ok()) {
      base::Status s = outbox_.MarkSent(d.id, after);
      if (!s.ok()) return s;
      ++result.sent;
      continue;
    }
    ++result.failed;
    const auto delay = std::chrono::duration_cast<std::chrono::microseconds>(RetryDelay(d.attempts + 1));
    const base::Instant retry_at = base::Instant::FromMicros(after.micros() + delay.count());
    const int64_t give_up_us =
        d.first_due.micros() + std::chrono::duration_cast<std::chrono::microseconds>(options_.give_up_after).count();
    std::optional<base::Instant> retry;
    if (retry_at.micros() <= give_up_us) retry = retry_at;
    base::LogWarning("alert delivery " + std::to_string(d.id) + " to " + r.channel + " " + r.address + " failed (" +
                     sent.message() + ")" + (retry ? "; retried later" : "; given up"));
    base::Status s = outbox_.MarkAttemptFailed(d.id, sent.message(), retry);
    if (!s.ok()) return s;
  }
  return result;
}

void Deliverer::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { ThreadMain(stop); });
}

void Deliverer::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void Deliverer::ThreadMain(std::stop_token stop) {
  try {
    while (!stop.stop_requested()) {
      base::Result<PassResult> pass = DeliverDue();
      if (!pass.ok()) base::LogWarning("alert delivery: " + pass.status().message());
      // A full batch may have more behind it: go again at once.
      if (pass.ok() && pass->sent + pass->failed + pass->deferred >= options_.batch) continue;
      steady_.WaitUntil(steady_.Now() + options_.poll, stop);
    }
  } catch (const std::exception& e) {
    base::LogError(std::string("alert delivery thread stopped: ") + e.what());
  }
}

}  // namespace tarifador::notify
