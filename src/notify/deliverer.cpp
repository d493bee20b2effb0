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
    const base::Status sent = Attempt(d);
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
    const int64_t give_up_us = d.alert.created_at.micros() +
                               std::chrono::duration_cast<std::chrono::microseconds>(options_.give_up_after).count();
    std::optional<base::Instant> retry;
    if (retry_at.micros() <= give_up_us) retry = retry_at;
    base::LogWarning("alert delivery " + std::to_string(d.id) + " to " + r.channel + " " + r.address + " failed (" +
                     sent.message() + ")" + (retry ? "; retried later" : "; given up"));
    base::Status s = outbox_.MarkAttemptFailed(d.id, sent.message(), retry);
    if (!s.ok()) return s;
  }
  return result;
}

base::Status Deliverer::Attempt(const store::DueDelivery& d) {
  // A delivery that throws is a failed attempt like any other: it must
  // neither end the thread nor hold up the deliveries behind it.
  try {
    if (d.recipient.channel != "email") return transport_.Post(BuildWebhook(d, options_.site, clock_.Now()));
    if (!options_.mail_configured || options_.mail_from.empty()) {
      return base::FailedPrecondition("e-mail is not set up: alerts.smtp_url and alerts.smtp_from are needed");
    }
    return transport_.Send(BuildMail(d, options_.mail_from, options_.site, clock_.Now()));
  } catch (const std::exception& e) {
    return base::Internal(std::string("building or sending the delivery failed: ") + e.what());
  }
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
  while (!stop.stop_requested()) {
    bool more = false;
    // The thread's one top-level catch, per pass: a store that throws is
    // logged and the next pass tries again.
    try {
      base::Result<PassResult> pass = DeliverDue();
      if (!pass.ok()) base::LogWarning("alert delivery: " + pass.status().message());
      // A full batch may have more behind it: go again at once.
      more = pass.ok() && pass->sent + pass->failed + pass->deferred >= options_.batch;
    } catch (const std::exception& e) {
      base::LogError(std::string("alert delivery: ") + e.what());
    }
    if (!more) steady_.WaitUntil(steady_.Now() + options_.poll, stop);
  }
}

}  // namespace tarifador::notify
