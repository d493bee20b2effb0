// CallTracker::LinkRestored / Reconcile (SPEC section 4: after a reconnect,
// calls that ended meanwhile are finalised, calls still up re-attached).
#include <catch2/catch.hpp>

#include "billing/call_tracker.h"
#include "unit/billing/tracker_setup.h"

using namespace tarifador;
using namespace tarifador::billing;
using testing::ALeg;
using testing::BLeg;
using testing::kSecond;
using testing::kT0s;
using testing::kT0us;
using testing::LegScript;
using testing::M;
using testing::Setup;

namespace {

CallTracker::LiveChannel Live(const std::string& leg, const std::string& call, bool answered,
                              const std::string& caller = "1001", const std::string& destination = "442079460958") {
  CallTracker::LiveChannel ch;
  ch.leg = CallId{leg};
  ch.call = CallId{call};
  ch.caller = caller;
  ch.destination = destination;
  ch.context = "default";
  ch.created_us = kT0us;
  ch.answered = answered;
  return ch;
}

// A connected call a-<n>: CREATE at t0, answered and bridged at t0 + 2 s.
void StartConnected(Setup& s, const LegScript& a) {
  s.Feed(a.Create());
  s.Feed(a.Answer(kT0us + 2 * kSecond));
  s.Feed(a.Bridge(kT0us + 2 * kSecond));
}

}  // namespace

TEST_CASE("A call that ended while the link was down is billed up to the link loss, once", "[billing][reconcile]") {
  Setup s;
  LegScript a = ALeg("a-gone");
  s.control.ExpectScheduleHangup("a-gone", 100, kCauseOutOfTime);
  StartConnected(s, a);
  CHECK(s.Acc().reserved == M("0.60"));

  const base::Instant lost = base::Instant::FromMicros(kT0us + 32 * kSecond + 400'000);
  s.clock.Set(base::Instant::FromSeconds(kT0s + 90));
  s.tracker->LinkRestored(lost);
  auto report = s.tracker->Reconcile({});
  REQUIRE(report.ok());
  CHECK(report->finalised == 1);
  CHECK(report->still_up == 0);
  CHECK(s.tracker->active_call_count() == 0);

  const Cdr cdr = s.CdrOf("a-gone");
  CHECK(cdr.billsec == 30);  // floor(t0 + 32.4) - (t0 + 2)
  CHECK(cdr.end_us == lost.micros());
  CHECK(cdr.cost == M("0.30"));
  CHECK(cdr.disposition == Disposition::kAnswered);
  CHECK(s.Acc().balance == M("0.70"));
  CHECK(s.Acc().reserved == M("0"));

  // The real HANGUP_COMPLETE arriving later (a mod_json_cdr backfill) changes nothing.
  s.Feed(a.HangupComplete(kT0us + 2 * kSecond, kT0us + 2 * kSecond, kT0us + 50 * kSecond));
  CHECK(s.repo.cdr_count() == 1);
  CHECK(s.Acc().balance == M("0.70"));
  s.control.Verify();
}

TEST_CASE("A call still live after the reconnect keeps being tracked", "[billing][reconcile]") {
  Setup s;
  LegScript a = ALeg("a-up");
  LegScript b = BLeg(a, "b-up");
  s.control.ExpectScheduleHangup("a-up", 100, kCauseOutOfTime);
  StartConnected(s, a);
  s.tracker->LinkRestored(base::Instant::FromMicros(kT0us + 10 * kSecond));
  auto report = s.tracker->Reconcile({Live("a-up", "a-up", true), Live("b-up", "a-up", true)});
  REQUIRE(report.ok());
  CHECK(report->still_up == 1);
  CHECK(report->finalised == 0);
  CHECK(report->reattached == 0);
  CHECK(s.tracker->active_call_count() == 1);
  CHECK(s.repo.cdr_count() == 0);
  // Its end is billed normally, with FreeSWITCH's figures.
  s.Feed(a.HangupComplete(kT0us + 2 * kSecond, kT0us + 2 * kSecond, kT0us + 42 * kSecond));
  CHECK(s.CdrOf("a-up").billsec == 40);
  CHECK(s.Acc().balance == M("0.60"));
  s.control.Verify();
}

TEST_CASE("A call created after the link came back is not taken for ended", "[billing][reconcile]") {
  Setup s;
  LegScript early = ALeg("a-early");
  LegScript late = ALeg("a-late");
  s.control.ExpectScheduleHangup("a-early", 100, kCauseOutOfTime);
  StartConnected(s, early);
  s.tracker->LinkRestored(base::Instant::FromMicros(kT0us + 5 * kSecond));
  // After the restore marker, before the show-channels answer: a new call.
  s.control.ExpectScheduleHangup("a-late", 40, kCauseOutOfTime);  // 1.00 - 0.60 reserved = 0.40 at 0.01/s
  s.Feed(late.Create());
  auto report = s.tracker->Reconcile({Live("a-early", "", true)});
  REQUIRE(report.ok());
  CHECK(report->finalised == 0);
  CHECK(s.tracker->active_call_count() == 2);
  s.control.Verify();
}

TEST_CASE("A call started while the link was down is re-attached with a reservation and a hard stop",
          "[billing][reconcile]") {
  Setup s;
  s.tracker->LinkRestored(base::Instant::FromMicros(kT0us));
  s.control.ExpectScheduleHangup("a-new", 100, kCauseOutOfTime);
  auto report = s.tracker->Reconcile({Live("a-new", "a-new", true), Live("b-new", "a-new", true)});
  REQUIRE(report.ok());
  CHECK(report->reattached == 1);
  CHECK(s.Acc().reserved == M("0.60"));
  auto active = s.tracker->ActiveCalls();
  REQUIRE(active.size() == 1);
  CHECK(active[0].connected_us == kT0us);  // assumed connected from its creation at the earliest
  // The B leg is linked: its HANGUP_COMPLETE is not billed.
  LegScript a = ALeg("a-new");
  LegScript b = BLeg(a, "b-new");
  b.other = "";  // a B leg event that names no partner: known from the reconcile link only
  s.Feed(b.HangupComplete(kT0us, kT0us, kT0us + 20 * kSecond));
  CHECK(s.repo.cdr_count() == 0);
  s.Feed(a.HangupComplete(kT0us + 1 * kSecond, kT0us + 1 * kSecond, kT0us + 21 * kSecond));
  CHECK(s.CdrOf("a-new").cost == M("0.20"));
  CHECK(s.Acc().reserved == M("0"));
  s.control.Verify();
}

TEST_CASE("A call started while down that is now denied is killed unless billing.when_down is allow",
          "[billing][reconcile]") {
  Setup s;
  SECTION("deny (default): hung up") {
    s.tracker->LinkRestored(base::Instant::FromMicros(kT0us));
    s.control.ExpectKill("a-blocked", kCauseBarred);
    auto report = s.tracker->Reconcile({Live("a-blocked", "", true, "1001", "449123456")});
    REQUIRE(report.ok());
    CHECK(report->killed == 1);
  }
  SECTION("allow: let through, billed at the end") {
    CallTracker::Options options;
    options.allow_unchecked = true;
    s.tracker = std::make_unique<CallTracker>(s.repo, *s.authorizer, s.control, s.clock, options);
    s.tracker->LinkRestored(base::Instant::FromMicros(kT0us));
    auto report = s.tracker->Reconcile({Live("a-unknown-ext", "", true, "1999")});
    REQUIRE(report.ok());
    CHECK(report->reattached == 1);
    CHECK(report->killed == 0);
    CHECK(s.Acc().reserved == M("0"));
  }
  s.control.Verify();
}

TEST_CASE("Money held for a call that ended while tarifador was not running is released", "[billing][reconcile]") {
  Setup s;
  // Left by a previous run that was killed mid-call.
  REQUIRE(s.repo.Reserve({CallId{"a-crashed"}, s.account, M("0.60"), 60, s.clock.Now(), s.clock.Now()}).ok());
  REQUIRE(s.repo.Reserve({CallId{"a-alive"}, s.account, M("0.30"), 30, s.clock.Now(), s.clock.Now()}).ok());
  CHECK(s.Acc().reserved == M("0.90"));
  s.tracker->LinkRestored(base::Instant());
  s.control.ExpectScheduleHangup("a-alive", 70, kCauseOutOfTime);  // re-attached: 1.00 - 0.30 held for it
  auto report = s.tracker->Reconcile({Live("a-alive", "", true)});
  REQUIRE(report.ok());
  CHECK(report->orphans_released == 1);
  CHECK(report->reattached == 1);
  CHECK(s.Acc().reserved == M("0.30"));  // the live call keeps its own reservation
  CHECK_FALSE(s.repo.GetReservation(CallId{"a-crashed"}).ok());
  // Its backfill still bills it.
  LegScript crashed = ALeg("a-crashed");
  s.Feed(crashed.HangupComplete(kT0us + kSecond, kT0us + kSecond, kT0us + 11 * kSecond));
  CHECK(s.CdrOf("a-crashed").cost == M("0.10"));
  s.control.Verify();
}

TEST_CASE("A call that hangs up before the show-channels answer that lists it arrives is not re-attached",
          "[billing][reconcile]") {
  // FreeSWITCH runs `bgapi show channels` in its own thread: the list is
  // taken, the call hangs up, and its HANGUP_COMPLETE reaches tarifador
  // before the BACKGROUND_JOB carrying the list. Re-attaching it would hold
  // money for a call that is gone, extended every tick, never released (the
  // kill9 integration test's "2.000000 still reserved").
  Setup s;
  LegScript a = ALeg("a-race");
  s.tracker->LinkRestored(base::Instant::FromMicros(kT0us));
  s.clock.Set(base::Instant::FromSeconds(kT0s + 12));
  s.Feed(a.HangupComplete(kT0us + 2 * kSecond, kT0us + 2 * kSecond, kT0us + 12 * kSecond));
  CHECK(s.CdrOf("a-race").cost == M("0.10"));
  auto report = s.tracker->Reconcile({Live("a-race", "a-race", true), Live("b-race", "a-race", true)});
  REQUIRE(report.ok());
  CHECK(report->reattached == 0);
  CHECK(report->ended_first == 1);
  CHECK(s.tracker->active_call_count() == 0);
  CHECK(s.Acc().reserved == M("0"));
  // Nothing is left to extend.
  s.clock.Set(base::Instant::FromSeconds(kT0s + 60));
  REQUIRE(s.tracker->Tick().ok());
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.Acc().balance == M("0.90"));
  CHECK(s.repo.Consistent());
  s.control.Verify();  // no hard stop, no kill: the call is gone
}

TEST_CASE("A call listed live whose CDR another writer already stored holds no money", "[billing][reconcile]") {
  // Billed by `tarifador cdr import` or a mod_json_cdr POST (a CDR document
  // exists only once the call has ended) while the list was on its way: the
  // store refuses a reservation for a billed call and the tracker drops it.
  Setup s;
  LegScript a = ALeg("a-billed");
  Cdr billed;
  billed.uuid = CallId{"a-billed"};
  billed.account_id = s.account;
  billed.direction = Direction::kOutbound;
  billed.cost = M("0.10");
  billed.billsec = 10;
  REQUIRE(s.repo.BillCall(billed, s.clock.Now()).ok());
  s.tracker->LinkRestored(base::Instant::FromMicros(kT0us));
  auto report = s.tracker->Reconcile({Live("a-billed", "", true)});
  REQUIRE(report.ok());
  CHECK(report->reattached == 0);
  CHECK(report->ended_first == 1);
  CHECK(s.tracker->active_call_count() == 0);
  CHECK(s.Acc().reserved == M("0"));
  // A late HANGUP_COMPLETE of it changes nothing either.
  s.Feed(a.HangupComplete(kT0us + 2 * kSecond, kT0us + 2 * kSecond, kT0us + 30 * kSecond));
  CHECK(s.repo.cdr_count() == 1);
  CHECK(s.Acc().balance == M("0.90"));
  CHECK(s.Acc().reserved == M("0"));
  s.control.Verify();
}
