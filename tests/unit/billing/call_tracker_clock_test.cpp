// Money never depends on two clocks agreeing (SPEC 4, issue "any clock"):
// FreeSWITCH stamps the call and counts billsec on its clock, the box runs
// on its own. The tracker judges a connected call's paid seconds on
// FreeSWITCH's clock as measured from its events (SwitchClock), carried
// forward on the box's monotonic clock.
#include <catch2/catch.hpp>
#include <chrono>

#include "billing/call_tracker.h"
#include "billing/ledger.h"
#include "billing/switch_clock.h"
#include "unit/billing/tracker_setup.h"

using namespace tarifador;
using namespace tarifador::billing;
using testing::ALeg;
using testing::kSecond;
using testing::kT0s;
using testing::kT0us;
using testing::LegScript;
using testing::M;
using testing::Setup;

TEST_CASE("SwitchClock measures FreeSWITCH's clock from its events and carries it on the monotonic clock",
          "[billing][clock]") {
  base::FakeClock wall(base::Instant::FromSeconds(kT0s));
  base::FakeSteadyClock steady;
  SwitchClock sw(steady, wall);
  CHECK_FALSE(sw.offset_us().has_value());
  CHECK(sw.Now() == wall.Now());  // nothing heard yet: the box's clock stands in
  sw.Observe(0);                  // no stamp: ignored
  CHECK_FALSE(sw.offset_us().has_value());

  sw.Observe(kT0us + 3600 * kSecond + 250'000);  // the switch is an hour (and 0.25 s) ahead
  CHECK(*sw.offset_us() == 3600 * kSecond + 250'000);
  steady.Advance(std::chrono::seconds(7));
  CHECK(sw.Now().micros() == kT0us + 3607 * kSecond + 250'000);
  // A late or coarse stamp (a queued event, a burst sharing one stamp) does
  // not pull the estimate back.
  sw.Observe(kT0us + 3606 * kSecond);  // 1.25 s behind
  CHECK(sw.Now().micros() == kT0us + 3607 * kSecond + 250'000);
  // The box's wall clock is set back two hours (NTP at boot): FreeSWITCH's
  // time does not move, the offset between the two clocks does.
  wall.AdvanceMicros(-7200 * kSecond);
  CHECK(sw.Now().micros() == kT0us + 3607 * kSecond + 250'000);
  CHECK(*sw.offset_us() == (3607 + 7200) * kSecond + 250'000);  // the wall clock stood still at kT0s until set back
  CHECK(sw.FromBox(wall.Now()) == sw.Now());

  // FreeSWITCH's own clock is stepped back: the next event is believed.
  sw.Observe(kT0us - 600 * kSecond);
  CHECK(sw.Now().micros() == kT0us - 600 * kSecond);
  CHECK(*sw.offset_us() == (kT0us - 600 * kSecond) - wall.Now().micros());
}

TEST_CASE("Whatever FreeSWITCH's clock says, a call is cut where its money ends", "[billing][tracker][clock]") {
  const int64_t offset_s = GENERATE(0, 600, -600, 3600, -3600, 86400);
  INFO("FreeSWITCH's clock minus the box's: " << offset_s << " s");
  Setup s;  // 1.00 at 0.01 a second (rate 44)
  LegScript a = ALeg("a-offset");
  a.t0_us = kT0us + offset_s * kSecond;  // stamped on FreeSWITCH's clock
  s.control.ExpectScheduleHangup("a-offset", 100, kCauseOutOfTime);
  s.FeedFromSwitch(a.Create());
  Ledger ledger(s.repo, s.clock);
  REQUIRE(ledger.Adjust(s.account, M("-0.30"), "test", "spent elsewhere").ok());  // 0.10 left beside 0.60 held
  s.Elapse(2);
  const int64_t c = a.t0_us + 2 * kSecond;
  s.FeedFromSwitch(a.Answer(c));
  s.FeedFromSwitch(a.Bridge(c));

  s.Elapse(49);  // 11 paid seconds left on FreeSWITCH's clock: nothing yet
  REQUIRE(s.tracker->Tick().ok());
  CHECK(s.Acc().reserved == M("0.60"));
  s.Elapse(1);  // 10 left: extend; only 0.10 more can be held: cut at connected + 70 s
  s.control.ExpectScheduleHangup("a-offset", 20, kCauseOutOfTime);
  REQUIRE(s.tracker->Tick().ok());
  CHECK(s.Acc().reserved == M("0.70"));

  s.Feed(a.HangupComplete(c, c, c + 70 * kSecond, std::string(kCauseOutOfTime)));
  const Cdr cdr = s.CdrOf("a-offset");
  CHECK(cdr.billsec == 70);
  CHECK(cdr.cost == M("0.70"));
  CHECK(cdr.charged == cdr.cost);
  CHECK(s.Acc().balance == M("0"));
  CHECK(s.repo.Consistent());
  s.control.Verify();
}

TEST_CASE("A step of the box's own clock mid-call changes nothing", "[billing][tracker][clock]") {
  const int64_t step_s = GENERATE(7200, -7200);
  INFO("the box's clock steps " << step_s << " s mid-call");
  Setup s("5.00");
  LegScript a = ALeg("a-step");
  s.control.ExpectScheduleHangup("a-step", 500, kCauseOutOfTime);
  s.FeedFromSwitch(a.Create());
  s.Elapse(2);
  const int64_t c = kT0us + 2 * kSecond;
  s.FeedFromSwitch(a.Answer(c));
  s.FeedFromSwitch(a.Bridge(c));
  s.clock.AdvanceMicros(step_s * kSecond);  // NTP sets the box's clock; the monotonic one runs on
  s.Elapse(10);
  REQUIRE(s.tracker->Tick().ok());  // 50 paid seconds left: no extension, no kill
  CHECK(s.Acc().reserved == M("0.60"));
  s.Elapse(40);
  REQUIRE(s.tracker->Tick().ok());  // 10 left: extended, one interval on
  CHECK(s.Acc().reserved == M("1.20"));
  s.control.Verify();
}
