#pragma once
// A CallControl that fails the test on any command nobody expected
// (STYLE.md habit 11), and checks each expected one exactly.
#include <catch2/catch.hpp>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "billing/call_control.h"

namespace tarifador::billing::testing {

class StrictCallControl final : public CallControl {
 public:
  struct Command {
    std::string verb;  // "kill" or "sched_hangup"
    std::string call;
    int64_t seconds = 0;  // sched_hangup only
    std::string cause;
    bool operator==(const Command&) const = default;
  };

  void ExpectKill(const std::string& call, std::string_view cause) {
    std::lock_guard lock(mu_);
    expected_.push_back({"kill", call, 0, std::string(cause)});
  }
  void ExpectScheduleHangup(const std::string& call, int64_t seconds, std::string_view cause) {
    std::lock_guard lock(mu_);
    expected_.push_back({"sched_hangup", call, seconds, std::string(cause)});
  }
  // Every expected command was sent.
  void Verify() {
    std::lock_guard lock(mu_);
    INFO("expected commands never sent: " << expected_.size());
    CHECK(expected_.empty());
  }
  int sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }

  base::Status Kill(const CallId& call, std::string_view cause) override {
    return Receive({"kill", call.value, 0, std::string(cause)});
  }
  base::Status ScheduleHangup(const CallId& call, int64_t seconds_from_now, std::string_view cause) override {
    CHECK(seconds_from_now >= 1);
    return Receive({"sched_hangup", call.value, seconds_from_now, std::string(cause)});
  }

 private:
  base::Status Receive(const Command& got) {
    std::lock_guard lock(mu_);
    ++sent_;
    INFO("command: " << got.verb << " " << got.call << " " << got.seconds << " " << got.cause);
    if (expected_.empty()) {
      FAIL_CHECK("unexpected call control command");
      return base::Status::Ok();
    }
    const Command want = expected_.front();
    expected_.pop_front();
    INFO("expected: " << want.verb << " " << want.call << " " << want.seconds << " " << want.cause);
    CHECK(got == want);
    return base::Status::Ok();
  }

  mutable std::mutex mu_;
  std::deque<Command> expected_;
  int sent_ = 0;
};

}  // namespace tarifador::billing::testing
