#include "sim/load_generator.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include "base/log.h"

namespace tarifador::sim {

base::Status ValidateLoadOptions(const LoadOptions& o) {
  std::string errors;
  auto fail = [&](const std::string& m) { errors += (errors.empty() ? "" : "; ") + m; };
  if (!(o.calls_per_second > 0) || !std::isfinite(o.calls_per_second)) fail("calls per second must be > 0");
  if (o.max_concurrent == 0) fail("max concurrency must be >= 1");
  if (!(o.min_talk_s >= 0) || o.max_talk_s < o.min_talk_s) fail("talk range must be 0 <= min <= max");
  if (!(o.min_ring_s >= 0) || o.max_ring_s < o.min_ring_s) fail("ring range must be 0 <= min <= max");
  for (int p : {o.answered_pct, o.busy_pct, o.no_answer_pct, o.failed_pct, o.inbound_pct}) {
    if (p < 0 || p > 100) fail("percentages must be 0..100");
  }
  if (o.answered_pct + o.busy_pct + o.no_answer_pct + o.failed_pct != 100) {
    fail("the outcome mix must add up to 100 (answered+busy+no_answer+failed)");
  }
  if (o.first_extension <= 0 || o.last_extension < o.first_extension)
    fail("extension range must be 1 <= first <= last");
  if (o.destinations.empty()) fail("at least one destination is needed");
  if (!(o.time_scale > 0)) fail("time scale must be > 0");
  if (!errors.empty()) return base::InvalidArgument("load options: " + errors);
  return base::Status::Ok();
}

LoadGenerator::LoadGenerator(FakeSwitch& fake_switch, const base::Clock& clock, LoadOptions options)
    : switch_(fake_switch), clock_(clock), options_(std::move(options)), rng_(options_.seed) {}

LoadGenerator::~LoadGenerator() { Stop(); }

base::Status LoadGenerator::Start() {
  TARIFADOR_RETURN_IF_ERROR(ValidateLoadOptions(options_));
  if (thread_.joinable()) return base::FailedPrecondition("load generator already started");
  thread_ = std::thread([this] { Run(); });
  return base::Status::Ok();
}

void LoadGenerator::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

CallSpec LoadGenerator::NextSpec() {
  auto uniform = [&](double lo, double hi) {
    // Whole milliseconds keep the times readable in the events.
    std::uniform_int_distribution<int64_t> d(std::llround(lo * 1000), std::llround(hi * 1000));
    return static_cast<double>(d(rng_)) / 1000.0;
  };
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<int> ext(options_.first_extension, options_.last_extension);
  std::uniform_int_distribution<size_t> dest(0, options_.destinations.size() - 1);
  CallSpec s;
  s.gateway = options_.gateway;
  s.talk_s = uniform(options_.min_talk_s, options_.max_talk_s);
  s.ring_s = uniform(options_.min_ring_s, options_.max_ring_s);
  const int r = pct(rng_);
  if (r < options_.answered_pct) {
    s.outcome = CallOutcome::kAnswered;
  } else if (r < options_.answered_pct + options_.busy_pct) {
    s.outcome = CallOutcome::kBusy;
  } else if (r < options_.answered_pct + options_.busy_pct + options_.no_answer_pct) {
    s.outcome = CallOutcome::kNoAnswer;
  } else {
    s.outcome = CallOutcome::kFailed;
  }
  if (pct(rng_) < options_.inbound_pct) {
    s.kind = CallKind::kInbound;
    std::uniform_int_distribution<int> digits(10'000'000, 99'999'999);
    s.caller = std::to_string(digits(rng_));
    s.caller.insert(s.caller.begin(), '6');  // an outside mobile-like number
    s.destination = std::to_string(ext(rng_));
  } else {
    s.caller = std::to_string(ext(rng_));
    s.destination = options_.destinations[dest(rng_)];
    s.kind = s.destination.size() <= 5 ? CallKind::kInternal : CallKind::kOutbound;
  }
  return s;
}

void LoadGenerator::Run() {
  try {
    const int64_t start_us = clock_.Now().micros();
    const double interval_us = 1e6 / options_.calls_per_second;
    std::unique_lock lock(mu_);
    while (!stopping_ && (options_.total_calls == 0 || placed_ < options_.total_calls)) {
      const int64_t due = start_us + static_cast<int64_t>(static_cast<double>(placed_.load()) * interval_us);
      const int64_t now = clock_.Now().micros();
      if (now < due) {
        const auto real_us = static_cast<int64_t>(static_cast<double>(due - now) * options_.time_scale);
        cv_.wait_for(lock, std::chrono::microseconds(std::clamp<int64_t>(real_us, 200, 10'000)));
        continue;
      }
      if (switch_.PendingCalls() >= options_.max_concurrent) {
        cv_.wait_for(lock, std::chrono::milliseconds(2));
        continue;
      }
      const CallSpec spec = NextSpec();
      lock.unlock();
      auto placed = switch_.PlaceCall(spec);
      lock.lock();
      if (!placed.ok()) base::LogWarning("sim load: call not placed: " + placed.status().message());
      ++placed_;
    }
    done_ = options_.total_calls != 0 && placed_ >= options_.total_calls;
  } catch (const std::exception& e) {
    base::LogError(std::string("sim load generator stopped: ") + e.what());
  }
}

}  // namespace tarifador::sim
