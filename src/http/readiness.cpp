#include "http/readiness.h"

#include <exception>

namespace tarifador::http {

void Readiness::Add(std::string name, std::function<base::Status()> check) {
  std::lock_guard<std::mutex> lock(mu_);
  for (ReadinessCheck& c : checks_) {
    if (c.name == name) {
      c.check = std::move(check);
      return;
    }
  }
  checks_.push_back(ReadinessCheck{std::move(name), std::move(check)});
}

std::vector<ReadinessResult> Readiness::Evaluate() const {
  std::vector<ReadinessCheck> checks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    checks = checks_;
  }
  std::vector<ReadinessResult> out;
  out.reserve(checks.size());
  for (const ReadinessCheck& c : checks) {
    base::Status s;
    // Checks come from other folders; one that throws must not take /readyz down.
    try {
      s = c.check ? c.check() : base::Internal("no check function");
    } catch (const std::exception& e) {
      s = base::Internal(std::string("check threw: ") + e.what());
    } catch (...) {
      s = base::Internal("check threw a non-standard exception");
    }
    out.push_back(ReadinessResult{c.name, std::move(s)});
  }
  return out;
}

}  // namespace tarifador::http
