#pragma once
// Readiness checks behind GET /readyz (SPEC section 10: 200 only when the store
// is writable, the rate plans are loaded and the ESL link is up). http/ does
// not know those subsystems; app registers one check per subsystem that exists.
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"

namespace tarifador::http {

// A named check: OK when ready, otherwise a Status saying what is wrong.
// Checks run on HTTP worker threads, must be thread-safe and answer in well
// under a second (read a flag or a snapshot; do not dial out).
struct ReadinessCheck {
  std::string name;  // stable snake_case, e.g. "store", "rate_plans", "esl"
  std::function<base::Status()> check;
};

struct ReadinessResult {
  std::string name;
  base::Status status;
};

// Thread-safe: checks may be added while the server runs.
class Readiness {
 public:
  // Adds a check; a second check with the same name replaces the first.
  void Add(std::string name, std::function<base::Status()> check);
  // Runs every check in the order added (outside the lock) and returns each
  // result. A check that throws is reported as failing with Internal.
  std::vector<ReadinessResult> Evaluate() const;

 private:
  mutable std::mutex mu_;
  std::vector<ReadinessCheck> checks_;
};

}  // namespace tarifador::http
