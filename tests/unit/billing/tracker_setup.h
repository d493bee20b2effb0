#pragma once
// A CallTracker over the fake repository, the retail rate book and a strict
// call control, at a fake time: what every tracker test starts from.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "billing/authorizer.h"
#include "billing/call_tracker.h"
#include "billing/ledger.h"
#include "billing/switch_clock.h"
#include "unit/billing/billing_fixtures.h"
#include "unit/billing/fake_repository.h"
#include "unit/billing/strict_call_control.h"

namespace tarifador::billing::testing {

inline constexpr int64_t kT0s = 1'700'000'000;
inline constexpr int64_t kT0us = kT0s * 1'000'000;
inline constexpr int64_t kSecond = 1'000'000;

struct Setup {
  testing::FakeRepository repo;
  rating::RateBookHolder rates;
  base::FakeClock clock{base::Instant::FromSeconds(kT0s)};  // the box's wall clock
  base::FakeSteadyClock steady;                             // the box's monotonic clock
  // FreeSWITCH's clock as the tracker measures it: the box's until an event
  // is observed (FeedFromSwitch).
  testing::StrictCallControl control;
  std::unique_ptr<Authorizer> authorizer;
  SwitchClock switch_clock{steady, clock};
  std::unique_ptr<CallTracker> tracker;
  AccountId account;

  explicit Setup(const char* balance = "1.00") {
    rates.Publish(testing::RetailBook());
    account = repo.CreateAccount({"Office", AccountType::kPrepaid, {}, {}}, "test", clock.Now())->id;
    REQUIRE(repo.ApplyMovement({account, LedgerKind::kRecharge, M(balance), "test", "", clock.Now(), {}, {}}).ok());
    REQUIRE(repo.PutExtension({"1001", "Alice", account, std::nullopt, true}, "test", clock.Now()).ok());
    REQUIRE(repo.PutExtension({"1002", "Bob", account, std::nullopt, true}, "test", clock.Now()).ok());
    Authorizer::Options auth_options;
    auth_options.default_plan = "retail";
    authorizer = std::make_unique<Authorizer>(repo, rates, rating::NumberNormaliser(), auth_options);
    Rebuild(BaseOptions());
  }

  CallTracker::Options BaseOptions() {
    CallTracker::Options options;
    options.site_id = "site-a";
    options.debit_interval_s = 60;
    options.extend_lead_s = 10;
    options.switch_clock = &switch_clock;
    return options;
  }
  void Rebuild(CallTracker::Options options) {
    tracker = std::make_unique<CallTracker>(repo, *authorizer, control, clock, std::move(options));
  }

  void Feed(const CallEvent& e) { REQUIRE(tracker->OnEvent(e).ok()); }
  // As the app does: the event's stamp tells FreeSWITCH's time as it arrives.
  void FeedFromSwitch(const CallEvent& e) {
    switch_clock.Observe(e.event_us);
    Feed(e);
  }
  // Real time passes: the box's wall and monotonic clocks both move.
  void Elapse(int64_t seconds) {
    clock.AdvanceMicros(seconds * kSecond);
    steady.Advance(std::chrono::seconds(seconds));
  }
  Account Acc() { return *repo.GetAccount(account); }
  Cdr CdrOf(const std::string& uuid) {
    auto c = repo.GetCdr(CallId{uuid});
    REQUIRE(c.ok());
    return *c;
  }
};

inline LegScript ALeg(std::string uuid, std::string destination = "442079460958") {
  LegScript a;
  a.uuid = std::move(uuid);
  a.destination = std::move(destination);
  a.t0_us = kT0us;
  return a;
}

inline LegScript BLeg(const LegScript& a, std::string uuid) {
  LegScript b = a;
  b.uuid = std::move(uuid);
  b.other = a.uuid;
  b.originating = false;
  return b;
}

}  // namespace tarifador::billing::testing
