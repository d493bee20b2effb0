#pragma once
// Rates, plans and events shared by the billing tests (and the store's
// billing repository tests).
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "base/money.h"
#include "billing/call_event.h"
#include "rating/rate.h"
#include "rating/rate_book.h"
#include "rating/rate_plan.h"

namespace tarifador::billing::testing {

inline base::Money M(const char* text) {
  auto m = base::Money::Parse(text);
  REQUIRE(m.ok());
  return *m;
}

inline rating::Rate MakeRate(const char* prefix, const char* ppm, const char* fee = "0", int initial = 60,
                             int increment = 60, int grace = 0, bool blocked = false, int min_duration = 0) {
  rating::Rate r;
  auto p = rating::Prefix::Parse(prefix);
  REQUIRE(p.ok());
  r.prefix = *p;
  r.zone = std::string("Zone ") + prefix;
  r.price_per_minute = M(ppm);
  r.connection_fee = M(fee);
  r.initial_increment_s = initial;
  r.increment_s = increment;
  r.grace_s = grace;
  r.blocked = blocked;
  r.min_duration_s = min_duration;
  return r;
}

// Plan "retail" (4 decimals, up):
//   44    0.60/min 1/1         (0.01 a second)
//   4430  0.12/min + 0.05, 30/6
//   447   1.00/min + 0.25, 60/60
//   449   blocked
//   1     0.07/min 1/1         (rounding: 10 s cost 0.0117)
inline std::shared_ptr<const rating::RateBook> RetailBook() {
  rating::RatePlan plan;
  plan.name = "retail";
  plan.rates = {MakeRate("44", "0.60", "0", 1, 1), MakeRate("4430", "0.12", "0.05", 30, 6),
                MakeRate("447", "1.00", "0.25", 60, 60), MakeRate("449", "2.00", "0", 60, 60, 0, true),
                MakeRate("1", "0.07", "0", 1, 1)};
  auto book = rating::RateBook::Build({plan});
  REQUIRE(book.ok());
  return *book;
}

// Events of one leg, with FreeSWITCH-like times: `t0_s` is the CREATE epoch.
struct LegScript {
  std::string uuid;
  std::string other;
  bool originating = true;
  std::string caller = "1001";
  std::string destination = "442079460958";
  std::string context = "default";
  int64_t t0_us = 1'700'000'000'000'000;

  CallEvent Base(CallEventKind kind, int64_t at_us) const {
    CallEvent e;
    e.kind = kind;
    e.leg = CallId{uuid};
    e.other_leg = CallId{other};
    e.is_originating_leg = originating;
    e.caller_number = caller;
    e.caller_name = "Caller " + caller;
    e.destination = destination;
    e.context = context;
    e.created_us = t0_us;
    e.event_us = at_us;
    return e;
  }
  CallEvent Create() const { return Base(CallEventKind::kCreate, t0_us); }
  CallEvent Answer(int64_t at_us) const {
    CallEvent e = Base(CallEventKind::kAnswer, at_us);
    e.answered_us = at_us;
    return e;
  }
  CallEvent Bridge(int64_t at_us) const {
    CallEvent e = Base(CallEventKind::kBridge, at_us);
    e.bridged_us = at_us;
    return e;
  }
  // HANGUP_COMPLETE with the epochs FreeSWITCH derives from the µs times
  // (0 = never happened).
  CallEvent HangupComplete(int64_t answered_us, int64_t bridged_us, int64_t ended_us,
                           std::string cause = "NORMAL_CLEARING") const {
    CallEvent e = Base(CallEventKind::kHangupComplete, ended_us);
    e.answered_us = answered_us;
    e.bridged_us = bridged_us;
    e.ended_us = ended_us;
    e.hangup_cause = std::move(cause);
    e.epochs.answer_epoch_s = answered_us / 1'000'000;
    e.epochs.bridge_epoch_s = bridged_us / 1'000'000;
    e.epochs.end_epoch_s = ended_us / 1'000'000;
    return e;
  }
};

}  // namespace tarifador::billing::testing
