#include "rating/cost.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

using namespace tarifador;
using rating::CallOutcome;
using rating::RoundingMode;

namespace {

base::Money M(const char* text) { return *base::Money::Parse(text); }

rating::Rate MakeRate(const char* price, int ii, int inc, int min = 0, int grace = 0, const char* fee = "0") {
  rating::Rate r;
  r.prefix = *rating::Prefix::Parse("44");
  r.zone = "UK";
  r.price_per_minute = M(price);
  r.connection_fee = M(fee);
  r.initial_increment_s = ii;
  r.increment_s = inc;
  r.min_duration_s = min;
  r.grace_s = grace;
  return r;
}

struct Case {
  const char* name;
  const char* price;
  int ii, inc, min, grace;
  const char* fee;
  int64_t billsec;
  int decimals;
  RoundingMode mode;
  int64_t billable;
  const char* cost;  // formatted with the case's decimals
};

}  // namespace

TEST_CASE("Cost follows SPEC section 2 for every increment pattern, grace, minimum, fee and rounding",
          "[rating][cost]") {
  constexpr auto kUp = RoundingMode::kUp;
  constexpr auto kHalf = RoundingMode::kHalfUp;
  constexpr auto kDown = RoundingMode::kDown;
  const Case cases[] = {
      // 1/1: per-second billing.
      {"1/1 61s", "0.12", 1, 1, 0, 0, "0", 61, 4, kUp, 61, "0.1220"},
      {"1/1 1s up", "0.10", 1, 1, 0, 0, "0", 1, 4, kUp, 1, "0.0017"},
      {"1/1 1s half_up", "0.10", 1, 1, 0, 0, "0", 1, 4, kHalf, 1, "0.0017"},
      {"1/1 1s down", "0.10", 1, 1, 0, 0, "0", 1, 4, kDown, 1, "0.0016"},
      // 30/6: first 30 s, then 6 s blocks.
      {"30/6 10s", "0.06", 30, 6, 0, 0, "0", 10, 4, kUp, 30, "0.0300"},
      {"30/6 30s", "0.06", 30, 6, 0, 0, "0", 30, 4, kUp, 30, "0.0300"},
      {"30/6 31s", "0.06", 30, 6, 0, 0, "0", 31, 4, kUp, 36, "0.0360"},
      {"30/6 36s", "0.06", 30, 6, 0, 0, "0", 36, 4, kUp, 36, "0.0360"},
      {"30/6 37s", "0.06", 30, 6, 0, 0, "0", 37, 4, kUp, 42, "0.0420"},
      // 60/60: per started minute.
      {"60/60 1s", "0.25", 60, 60, 0, 0, "0", 1, 4, kUp, 60, "0.2500"},
      {"60/60 60s", "0.25", 60, 60, 0, 0, "0", 60, 4, kUp, 60, "0.2500"},
      {"60/60 61s", "0.25", 60, 60, 0, 0, "0", 61, 4, kUp, 120, "0.5000"},
      {"60/60 3601s", "0.25", 60, 60, 0, 0, "0", 3601, 4, kUp, 3660, "15.2500"},
      // 60/1: first minute, then per second.
      {"60/1 30s", "0.09", 60, 1, 0, 0, "0", 30, 4, kUp, 60, "0.0900"},
      {"60/1 61s", "0.09", 60, 1, 0, 0, "0", 61, 4, kUp, 61, "0.0915"},
      {"60/1 125s", "0.09", 60, 1, 0, 0, "0", 125, 4, kUp, 125, "0.1875"},
      // Grace: billsec <= grace is free, fee included; one second more is not.
      {"grace 5 at 5s", "0.12", 1, 1, 0, 5, "0.05", 5, 4, kUp, 0, "0.0000"},
      {"grace 5 at 6s", "0.12", 1, 1, 0, 5, "0.05", 6, 4, kUp, 6, "0.0620"},
      {"grace 0 at 0s", "0.12", 60, 60, 0, 0, "0.05", 0, 4, kUp, 0, "0.0000"},
      // Minimum duration: a short answered call is billed as min_duration.
      {"min 30 at 10s", "0.12", 1, 1, 30, 0, "0", 10, 4, kUp, 30, "0.0600"},
      {"min 30 at 45s", "0.12", 1, 1, 30, 0, "0", 45, 4, kUp, 45, "0.0900"},
      {"min 90 on 60/60", "0.12", 60, 60, 90, 0, "0", 5, 4, kUp, 120, "0.2400"},
      {"min below grace", "0.12", 1, 1, 30, 3, "0", 2, 4, kUp, 0, "0.0000"},
      // Connection fee is added once.
      {"fee 60/60 61s", "0.12", 60, 60, 0, 0, "0.05", 61, 4, kUp, 120, "0.2900"},
      {"fee only (free minutes)", "0", 60, 60, 0, 0, "0.35", 300, 4, kUp, 300, "0.3500"},
      // Decimals and rounding modes.
      {"2 dp up", "0.10", 1, 1, 0, 0, "0", 7, 2, kUp, 7, "0.02"},
      {"2 dp half_up below half", "0.10", 1, 1, 0, 0, "0", 7, 2, kHalf, 7, "0.01"},
      {"2 dp down", "0.10", 1, 1, 0, 0, "0", 7, 2, kDown, 7, "0.01"},
      {"2 dp half_up exact half", "0.01", 1, 1, 0, 0, "0", 30, 2, kHalf, 30, "0.01"},
      {"2 dp down exact half", "0.01", 1, 1, 0, 0, "0", 30, 2, kDown, 30, "0.00"},
      {"0 dp up", "1.00", 1, 1, 0, 0, "0", 90, 0, kUp, 90, "2"},
      {"0 dp half_up", "1.00", 1, 1, 0, 0, "0", 90, 0, kHalf, 90, "2"},
      {"0 dp down", "1.00", 1, 1, 0, 0, "0", 90, 0, kDown, 90, "1"},
      {"6 dp up", "0.10", 1, 1, 0, 0, "0", 1, 6, kUp, 1, "0.001667"},
      {"6 dp half_up", "0.10", 1, 1, 0, 0, "0", 1, 6, kHalf, 1, "0.001667"},
      {"6 dp down", "0.10", 1, 1, 0, 0, "0", 1, 6, kDown, 1, "0.001666"},
      {"exact needs no rounding", "0.60", 1, 1, 0, 0, "0", 1, 2, kUp, 1, "0.01"},
      {"sub-micro price per second", "0.000001", 1, 1, 0, 0, "0", 1, 6, kUp, 1, "0.000001"},
      {"sub-micro price per second down", "0.000001", 1, 1, 0, 0, "0", 1, 6, kDown, 1, "0.000000"},
      {"initial 0 then 6", "0.06", 0, 6, 0, 0, "0", 7, 4, kUp, 12, "0.0120"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const rating::Rate rate = MakeRate(c.price, c.ii, c.inc, c.min, c.grace, c.fee);
    REQUIRE(rating::ValidateRate(rate).ok());
    auto b = rating::ComputeCost(rate, CallOutcome::kAnswered, c.billsec, c.decimals, c.mode);
    REQUIRE(b.ok());
    CHECK(b->billable_s == c.billable);
    CHECK(b->cost.ToString(c.decimals) == c.cost);
    CHECK(b->decimals == c.decimals);
    CHECK(b->rounding == c.mode);
  }
}

TEST_CASE("Cost breakdown explains the charge", "[rating][cost]") {
  // 0.10/min, 30/6, fee 0.05, 43 s: billable 30 + 3*6 = 48 s;
  // exact 0.05 + 0.10 * 48 / 60 = 0.13 exactly.
  const rating::Rate rate = MakeRate("0.10", 30, 6, 0, 0, "0.05");
  auto b = rating::ComputeCost(rate, CallOutcome::kAnswered, 43, 4, RoundingMode::kUp);
  REQUIRE(b.ok());
  CHECK(b->billsec == 43);
  CHECK(b->charged_duration_s == 43);
  CHECK(b->billable_s == 48);
  CHECK(b->increments == 3);
  CHECK(b->connection_fee == M("0.05"));
  CHECK(b->exact_sixtieth_micros == 50'000 * 60 + 100'000 * 48);
  CHECK(b->ExactIsWholeMicros());
  CHECK(b->ExactCostFloor() == M("0.13"));
  CHECK(b->cost == M("0.13"));
  CHECK_FALSE(b->within_grace);

  // 0.07/min per second for 10 s: 0.011666... is not a whole micro-unit.
  auto odd = rating::ComputeCost(MakeRate("0.07", 1, 1), CallOutcome::kAnswered, 10, 4, RoundingMode::kUp);
  REQUIRE(odd.ok());
  CHECK_FALSE(odd->ExactIsWholeMicros());
  CHECK(odd->ExactCostFloor() == M("0.011666"));
  CHECK(odd->cost == M("0.0117"));
}

TEST_CASE("Unanswered calls cost nothing even with a minimum duration and fee", "[rating][cost]") {
  const rating::Rate rate = MakeRate("1.00", 60, 60, 60, 0, "0.50");
  auto b = rating::ComputeCost(rate, CallOutcome::kUnanswered, 0, 4, RoundingMode::kUp);
  REQUIRE(b.ok());
  CHECK(b->cost.is_zero());
  CHECK(b->billable_s == 0);
  CHECK(b->connection_fee.is_zero());
  // billsec given for an unanswered call is ignored, not charged.
  auto b2 = rating::ComputeCost(rate, CallOutcome::kUnanswered, 120, 4, RoundingMode::kUp);
  REQUIRE(b2.ok());
  CHECK(b2->cost.is_zero());
}

TEST_CASE("Cost rejects bad input and overflow instead of wrapping", "[rating][cost]") {
  const rating::Rate rate = MakeRate("0.10", 60, 60);
  CHECK(rating::ComputeCost(rate, CallOutcome::kAnswered, -1, 4, RoundingMode::kUp).status().code() ==
        base::StatusCode::kInvalidArgument);
  CHECK_FALSE(rating::ComputeCost(rate, CallOutcome::kAnswered, 10, 7, RoundingMode::kUp).ok());
  CHECK_FALSE(rating::ComputeCost(rate, CallOutcome::kAnswered, 10, -1, RoundingMode::kUp).ok());
  // A year-long call at a huge price does not fit; it must fail, not wrap.
  const rating::Rate dear = MakeRate("9000000000000", 1, 1);
  CHECK_FALSE(rating::ComputeCost(dear, CallOutcome::kAnswered, 31'536'000, 4, RoundingMode::kUp).ok());
  CHECK_FALSE(
      rating::ComputeCost(rate, CallOutcome::kAnswered, std::numeric_limits<int64_t>::max(), 4, RoundingMode::kUp)
          .ok());
  // A long but sane call is fine: 10 days at 0.10/min = 1440.0000.
  auto long_call = rating::ComputeCost(rate, CallOutcome::kAnswered, 864'000, 4, RoundingMode::kUp);
  REQUIRE(long_call.ok());
  CHECK(long_call->cost == M("1440"));
}

TEST_CASE("Rounding of 1/60 micro-units handles signs and every step size", "[rating][cost]") {
  using rating::RoundSixtiethMicros;
  // 1 micro-unit and 1/60 more.
  CHECK(*RoundSixtiethMicros(61, 6, RoundingMode::kUp) == 2);
  CHECK(*RoundSixtiethMicros(61, 6, RoundingMode::kDown) == 1);
  CHECK(*RoundSixtiethMicros(61, 6, RoundingMode::kHalfUp) == 1);
  CHECK(*RoundSixtiethMicros(90, 6, RoundingMode::kHalfUp) == 2);  // exactly 1.5 micro
  CHECK(*RoundSixtiethMicros(89, 6, RoundingMode::kHalfUp) == 1);
  // Negative amounts (refunds): up is towards +infinity, down towards -infinity.
  CHECK(*RoundSixtiethMicros(-61, 6, RoundingMode::kUp) == -1);
  CHECK(*RoundSixtiethMicros(-61, 6, RoundingMode::kDown) == -2);
  CHECK(*RoundSixtiethMicros(-90, 6, RoundingMode::kHalfUp) == -2);
  CHECK(*RoundSixtiethMicros(0, 0, RoundingMode::kUp) == 0);
  CHECK(*RoundSixtiethMicros(60, 0, RoundingMode::kUp) == 1'000'000);
  CHECK(*RoundSixtiethMicros(60, 0, RoundingMode::kDown) == 0);
  for (int d = 0; d <= 6; ++d) {
    INFO("decimals " << d);
    CHECK(*RoundSixtiethMicros(60'000'000, d, RoundingMode::kDown) == 1'000'000);  // 1.0 exactly
    CHECK(*RoundSixtiethMicros(60'000'000, d, RoundingMode::kUp) == 1'000'000);
  }
}

TEST_CASE("The dearest rate allowed costs a day-long call exactly", "[rating][cost]") {
  rating::Rate dearest = MakeRate("100000000", 1, 1, 0, 0, "100000000");
  REQUIRE(rating::ValidateRate(dearest).ok());
  auto day = rating::ComputeCost(dearest, CallOutcome::kAnswered, 86'400, 6, RoundingMode::kUp);
  REQUIRE(day.ok());
  CHECK(day->cost.ToString(0) == "144100000000");  // 1 440 minutes and the fee
  dearest.price_per_minute = *base::Money::Parse("100000000.000001");
  CHECK(rating::ValidateRate(dearest).message() == "price_per_minute 100000000.000001 is above 100000000.0000");
}
