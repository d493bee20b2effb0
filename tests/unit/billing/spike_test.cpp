// The spike detector's rule (docs/BILLING.md "Spike detector"), table by table.
#include "billing/spike.h"

#include <catch2/catch.hpp>
#include <vector>

#include "unit/billing/billing_fixtures.h"

using namespace tarifador;
using namespace tarifador::billing;
using testing::M;

namespace {

std::vector<HourTotals> Week(int64_t calls, const char* cost) {
  return std::vector<HourTotals>(7, HourTotals{calls, M(cost)});
}

}  // namespace

TEST_CASE("A spike is this hour far above the same hour of the last 7 days", "[billing][spike]") {
  const SpikeOptions five{5, 20, M("20.00")};
  struct Row {
    int64_t calls;
    const char* cost;
    int64_t usual_calls;
    const char* usual_cost;
    const char* spike;  // "", "calls" or "cost"
  };
  const Row rows[] = {
      {51, "10.00", 10, "10.00", "calls"},  // 51 > 5 x 10
      {50, "10.00", 10, "10.00", ""},       // 50 is not above 5 x 10
      {19, "10.00", 0, "0", ""},            // a new box: under the minimum calls
      {20, "10.00", 0, "0", "calls"},       // ... and at it
      {3, "60.01", 1, "12.00", "cost"},     // 60.01 > 5 x 12.00
      {3, "19.99", 0, "0", ""},             // under the minimum spend
      {3, "60.00", 1, "12.00", ""},         // equal is not above
  };
  for (const Row& r : rows) {
    INFO(r.calls << " calls, " << r.cost << " against " << r.usual_calls << " / " << r.usual_cost);
    const std::vector<HourTotals> past = Week(r.usual_calls, r.usual_cost);
    const std::optional<Spike> spike = DetectSpike({r.calls, M(r.cost)}, past, five);
    CHECK(spike.has_value() == (std::string(r.spike) != ""));
    if (spike) {
      CHECK(spike->measure == r.spike);
      CHECK(spike->usual.calls == r.usual_calls);
      CHECK(spike->usual.cost == M(r.usual_cost));
    }
  }
}

TEST_CASE("The usual is the mean of the 7 days, quiet ones included, compared exactly", "[billing][spike]") {
  const SpikeOptions three{3, 1, M("0.01")};
  std::vector<HourTotals> past(7);
  past[0] = {7, M("0.07")};                            // one busy day in seven: a mean of 1 call, 0.01
  CHECK_FALSE(DetectSpike({3, M("0")}, past, three));  // 3 x 7 = 21, not above 3 x 7
  const auto spike = DetectSpike({4, M("0")}, past, three);
  REQUIRE(spike);
  CHECK(spike->usual.calls == 1);
  CHECK(DetectSpike({0, M("0.04")}, past, three)->measure == "cost");
  // Off, or no past to compare with.
  CHECK_FALSE(DetectSpike({1000, M("1000")}, past, SpikeOptions{0, 1, M("0.01")}));
  CHECK_FALSE(DetectSpike({1000, M("1000")}, {}, three));
}
