#pragma once
// Places random calls on a FakeSwitch at a steady rate: calls per second,
// a concurrency cap, talk/ring ranges, an outcome mix, a caller extension
// range and a destination list, all drawn from a seeded RNG so the same seed
// gives the same calls.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "sim/fake_switch.h"

namespace tarifador::sim {

struct LoadOptions {
  double calls_per_second = 1.0;  // simulated seconds
  size_t max_concurrent = 20;     // calls in progress; arrivals wait for room
  uint64_t total_calls = 0;       // stop after this many; 0 = until Stop()
  double min_talk_s = 5;
  double max_talk_s = 180;
  double min_ring_s = 1;
  double max_ring_s = 10;
  // Outcome mix in percent; must add up to 100.
  int answered_pct = 70;
  int busy_pct = 10;
  int no_answer_pct = 15;
  int failed_pct = 5;
  // Percentage of calls that come in from the gateway to an extension.
  int inbound_pct = 0;
  int first_extension = 1001;
  int last_extension = 1010;
  // Numbers of up to 5 digits are extensions (internal calls); longer ones
  // go out through `gateway`.
  std::vector<std::string> destinations = {"0034911234567", "0034612345678", "0044201234567", "1002"};
  std::string gateway = "gw1";
  uint64_t seed = 1;
  // Real seconds per simulated second of the clock (sizes the waits only).
  double time_scale = 1.0;
};

// InvalidArgument naming every bad option.
base::Status ValidateLoadOptions(const LoadOptions& options);

class LoadGenerator {
 public:
  // `fake_switch` and `clock` (the switch's clock) must outlive the generator.
  LoadGenerator(FakeSwitch& fake_switch, const base::Clock& clock, LoadOptions options);
  ~LoadGenerator();  // Stop()
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Starts the generating thread; InvalidArgument for bad options.
  base::Status Start();
  void Stop();  // idempotent; calls in progress continue on the switch
  uint64_t placed() const { return placed_.load(); }
  // True once total_calls were placed (never with total_calls 0).
  bool done() const { return done_.load(); }

  // The spec of the next random call (exposed for tests). Not thread-safe.
  CallSpec NextSpec();

 private:
  void Run();

  FakeSwitch& switch_;
  const base::Clock& clock_;
  const LoadOptions options_;
  std::mt19937_64 rng_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<uint64_t> placed_{0};
  std::atomic<bool> done_{false};
};

}  // namespace tarifador::sim
