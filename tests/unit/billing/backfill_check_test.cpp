// CheckBackfillTimes: a CDR from outside (mod_json_cdr, cdr import) with
// times no real call has is refused, saying why; FreeSWITCH's own pass.
#include "billing/backfill_check.h"

#include <catch2/catch.hpp>
#include <string>

#include "unit/billing/tracker_setup.h"

using namespace tarifador;
using namespace tarifador::billing;
using testing::ALeg;
using testing::BLeg;
using testing::kSecond;
using testing::kT0us;

namespace {

const base::Instant kNow = base::Instant::FromMicros(kT0us + 3600 * kSecond);

std::string Refusal(const CallEvent& e, const BackfillLimits& limits = {}) {
  const base::Status s = CheckBackfillTimes(e, kNow, limits);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == base::StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("nothing billed"));
  return s.message();
}

}  // namespace

TEST_CASE("A real call's CDR passes", "[billing][backfill]") {
  const auto a = ALeg("a-ok");
  CHECK(CheckBackfillTimes(a.HangupComplete(kT0us + 2 * kSecond, kT0us + 2 * kSecond, kT0us + 62 * kSecond), kNow, {})
            .ok());
  CHECK(CheckBackfillTimes(a.HangupComplete(0, 0, kT0us + 5 * kSecond, "NO_ANSWER"), kNow, {}).ok());  // unanswered
  // Another leg is never billed: nothing to check.
  CallEvent b = BLeg(a, "b-ok").HangupComplete(kT0us - 9 * kSecond, 0, kT0us - 10 * kSecond);
  CHECK(CheckBackfillTimes(b, kNow, {}).ok());
}

TEST_CASE("Impossible times are refused, saying which", "[billing][backfill]") {
  const auto a = ALeg("a-bad");
  const int64_t t = kT0us;
  CHECK_THAT(Refusal(a.HangupComplete(0, 0, t - kSecond)), Catch::Contains("before it starts"));
  CHECK_THAT(Refusal(a.HangupComplete(t - kSecond, t - kSecond, t + 60 * kSecond)), Catch::Contains("answered"));
  CHECK_THAT(Refusal(a.HangupComplete(t + 70 * kSecond, t + 70 * kSecond, t + 60 * kSecond)),
             Catch::Contains("after it ended"));
  CallEvent no_start = a.HangupComplete(0, 0, t + kSecond);
  no_start.created_us = 0;
  CHECK_THAT(Refusal(no_start), Catch::Contains("no start time"));
  CallEvent no_end = a.HangupComplete(0, 0, 0);
  no_end.event_us = 0;
  CHECK_THAT(Refusal(no_end), Catch::Contains("no end time"));
  // A billsec of 1.5e12 s through epochs that disagree with the µs times.
  CallEvent forged = a.HangupComplete(t + kSecond, t + kSecond, t + 11 * kSecond);
  forged.epochs.end_epoch_s = 1'500'000'000'000;
  CHECK_THAT(Refusal(forged), Catch::Contains("disagree"));
  CallEvent epoch_only = a.HangupComplete(0, 0, t + 11 * kSecond);
  epoch_only.epochs.answer_epoch_s = t / kSecond;
  CHECK_THAT(Refusal(epoch_only), Catch::Contains("without its microsecond time"));
}

TEST_CASE("Calls too long, too old or from the future are refused", "[billing][backfill]") {
  const auto a = ALeg("a-far");
  // Longer than billing.max_call_seconds (24 h by default).
  CHECK_THAT(Refusal(a.HangupComplete(kT0us, kT0us, kT0us + 86'401 * kSecond)), Catch::Contains("max_call_seconds"));
  BackfillLimits short_calls;
  short_calls.max_call_seconds = 60;
  CHECK_THAT(Refusal(a.HangupComplete(kT0us, kT0us, kT0us + 61 * kSecond), short_calls),
             Catch::Contains("max_call_seconds (60 s)"));
  CHECK(CheckBackfillTimes(a.HangupComplete(kT0us, kT0us, kT0us + 60 * kSecond), kNow, short_calls).ok());
  // Ending ten years after FreeSWITCH's now.
  auto future = ALeg("a-future");
  future.t0_us = kNow.micros() + 3650LL * 86'400 * kSecond;
  CHECK_THAT(Refusal(future.HangupComplete(future.t0_us, future.t0_us, future.t0_us + 10 * kSecond)),
             Catch::Contains("after FreeSWITCH's clock now"));
  // Starting at epoch 1.
  auto ancient = ALeg("a-1970");
  ancient.t0_us = kSecond;
  CHECK_THAT(Refusal(ancient.HangupComplete(0, 0, 2 * kSecond)), Catch::Contains("before 2000-01-01"));
  BackfillLimits no_age;  // `tarifador cdr import`: old err-log files on purpose
  no_age.max_age_s = 0;
  CHECK_THAT(Refusal(ancient.HangupComplete(0, 0, 2 * kSecond), no_age), Catch::Contains("before 2000-01-01"));
  auto old = ALeg("a-2020");
  old.t0_us = 1'600'000'000 * kSecond;
  const CallEvent old_call = old.HangupComplete(0, 0, old.t0_us + 2 * kSecond);
  CHECK_THAT(Refusal(old_call), Catch::Contains("400 days before FreeSWITCH's clock now"));
  CHECK(CheckBackfillTimes(old_call, kNow, no_age).ok());
}
