// No phantom calls (issue "FreeSWITCH reality", item 5): a channel
// FreeSWITCH no longer has leaves the tracked calls once, with its money
// released, whether FreeSWITCH says so ("-ERR No such channel!"), a
// periodic check misses it, or a backfill in another process billed it.
// And whatever the switch sends, the tracked set stays bounded.
#include <catch2/catch.hpp>

#include "billing/call_tracker.h"
#include "unit/billing/tracker_setup.h"

using namespace tarifador;
using namespace tarifador::billing;
using testing::ALeg;
using testing::kSecond;
using testing::kT0us;
using testing::LegScript;
using testing::M;
using testing::Setup;

namespace {

// A connected call: CREATE at t0 (hard stop at 100 s for 1.00 at 0.01/s),
// answered and bridged at t0 + 2 s.
void StartPaidCall(Setup& s, const LegScript& a, int64_t hard_stop_s = 100) {
  s.control.ExpectScheduleHangup(a.uuid, hard_stop_s, kCauseOutOfTime);
  s.Feed(a.Create());
  s.Feed(a.Answer(kT0us + 2 * kSecond));
  s.Feed(a.Bridge(kT0us + 2 * kSecond));
}

CallTracker::LiveChannel ListedLive(const std::string& leg) {
  CallTracker::LiveChannel ch;
  ch.leg = CallId{leg};
  ch.caller = "1001";
  ch.destination = "442079460958";
  ch.context = "default";
  ch.created_us = kT0us;
  ch.answered = true;
  return ch;
}

}  // namespace

TEST_CASE("A channel FreeSWITCH says it no longer has is let go once, its money released", "[billing][gone]") {
  Setup s;
  const LegScript a = ALeg("a-phantom");
  StartPaidCall(s, a);
  CHECK(s.Acc().reserved == M("0.60"));
  REQUIRE(s.tracker->OnChannelGone(CallId{"a-phantom"}).ok());
  CHECK(s.tracker->active_call_count() == 0);
  CHECK(s.tracker->ActiveCalls().empty());
  CHECK(s.Acc().reserved == M("0"));
  CHECK_FALSE(s.repo.GetCdr(CallId{"a-phantom"}).ok());         // its CDR is the backfill's to write
  REQUIRE(s.tracker->OnChannelGone(CallId{"a-phantom"}).ok());  // again: nothing
  REQUIRE(s.tracker->OnChannelGone(CallId{"never-seen"}).ok());
  s.Elapse(60);
  REQUIRE(s.tracker->Tick().ok());  // nothing left to extend, nothing sent

  // The backfill then bills it exactly, once.
  s.Feed(a.HangupComplete(kT0us + 2 * kSecond, kT0us + 2 * kSecond, kT0us + 32 * kSecond));
  CHECK(s.CdrOf("a-phantom").cost == M("0.30"));
  CHECK(s.Acc().balance == M("0.70"));
  CHECK(s.repo.Consistent());
  s.control.Verify();
}

TEST_CASE("A periodic check lets go of tracked calls FreeSWITCH no longer lists", "[billing][gone]") {
  Setup s("5.00");
  const LegScript lost = ALeg("a-lost");
  const LegScript ended = ALeg("a-ended");
  const LegScript up = ALeg("a-up");
  StartPaidCall(s, lost, 500);   // 5.00 at 0.01 a second
  StartPaidCall(s, ended, 440);  // less what the first holds
  StartPaidCall(s, up, 380);
  s.Elapse(40);
  // Created just now: FreeSWITCH may not have it in its channels table yet.
  LegScript young = ALeg("a-young");
  young.t0_us = kT0us + 40 * kSecond;
  s.control.ExpectScheduleHangup("a-young", 320, kCauseOutOfTime);
  s.Feed(young.Create());
  s.tracker->CheckRequested();
  CHECK(s.tracker->check_pending());
  // Ends after the list was asked for, before it arrived: billed, not "gone".
  s.Feed(ended.HangupComplete(kT0us + 2 * kSecond, kT0us + 2 * kSecond, kT0us + 12 * kSecond));
  auto report = s.tracker->Reconcile({ListedLive("a-up")});
  REQUIRE(report.ok());
  CHECK(report->gone == 1);
  CHECK(report->still_up == 2);  // a-up, and a-young though unlisted
  CHECK(report->finalised == 0);
  CHECK(report->orphans_released == 0);
  CHECK_FALSE(s.tracker->check_pending());
  const auto active = s.tracker->ActiveCalls();
  REQUIRE(active.size() == 2);
  CHECK(active[0].call == CallId{"a-up"});
  CHECK(active[1].call == CallId{"a-young"});
  CHECK(s.Acc().reserved == M("1.20"));  // a-up's and a-young's
  CHECK(s.CdrOf("a-ended").billsec == 10);
  CHECK_FALSE(s.repo.GetCdr(CallId{"a-lost"}).ok());
  s.control.Verify();
}

TEST_CASE("A periodic check asked during a reconnect's reconcile waits for that one", "[billing][gone]") {
  Setup s("5.00");
  const LegScript a = ALeg("a-kept");
  StartPaidCall(s, a, 500);
  s.tracker->LinkRestored(base::Instant::FromMicros(kT0us + 5 * kSecond));
  s.tracker->CheckRequested();              // ignored: the reconnect's list is awaited
  CHECK_FALSE(s.tracker->check_pending());  // still the reconnect's
  auto report = s.tracker->Reconcile({});
  REQUIRE(report.ok());
  CHECK(report->finalised == 1);  // the reconnect's rule: billed as ending when the link was lost
  CHECK(report->gone == 0);
  CHECK(report->orphans_released == 0);  // its own billing released it; not counted twice
  CHECK(s.CdrOf("a-kept").billsec == 3);
  CHECK(s.CdrOf("a-kept").hangup_cause == std::string(kCauseUnknown));  // never empty
  s.control.Verify();
}

TEST_CASE("A call billed by a backfill in another process stops being extended", "[billing][gone]") {
  Setup s;
  const LegScript a = ALeg("a-imported");
  StartPaidCall(s, a);
  // `tarifador cdr import` wrote its CDR meanwhile, which released the money.
  Cdr cdr;
  cdr.uuid = CallId{"a-imported"};
  cdr.account_id = s.account;
  cdr.cost = M("0.20");
  cdr.charged = M("0.20");
  cdr.billsec = 20;
  cdr.disposition = Disposition::kAnswered;
  REQUIRE(s.repo.BillCall(cdr, s.clock.Now()).ok());
  s.Elapse(52);
  REQUIRE(s.tracker->Tick().ok());  // would extend: finds it billed, lets it go
  CHECK(s.tracker->active_call_count() == 0);
  REQUIRE(s.tracker->Tick().ok());  // and says nothing more
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.Acc().balance == M("0.80"));
  s.control.Verify();
}

TEST_CASE("The tracked calls are bounded whatever the switch sends", "[billing][gone]") {
  Setup s("100.00");
  CallTracker::Options options = s.BaseOptions();
  options.max_tracked_calls = 3;
  SECTION("refused beyond the bound") {
    s.Rebuild(options);
    for (int i = 0; i < 3; ++i) {
      const LegScript a = ALeg("a-" + std::to_string(i));
      s.control.ExpectScheduleHangup(a.uuid, 10000 - 60 * i, kCauseOutOfTime);  // each holds 60 s
      s.Feed(a.Create());
    }
    for (int i = 3; i < 50; ++i) {
      s.control.ExpectKill("a-" + std::to_string(i), kCauseCongestion);
      s.Feed(ALeg("a-" + std::to_string(i)).Create());
    }
    CHECK(s.tracker->active_call_count() == 3);
    CHECK(s.Acc().reserved == M("1.80"));
    // A refused call's end is still recorded (it was refused, never connected).
    s.Feed(ALeg("a-7").HangupComplete(0, 0, kT0us + kSecond, "SWITCH_CONGESTION"));
    CHECK(s.CdrOf("a-7").cost == M("0"));
  }
  SECTION("with billing.when_down = allow, let through untracked and billed at the end") {
    options.allow_unchecked = true;
    s.Rebuild(options);
    for (int i = 0; i < 3; ++i) {
      const LegScript a = ALeg("a-" + std::to_string(i));
      s.control.ExpectScheduleHangup(a.uuid, 10000 - 60 * i, kCauseOutOfTime);  // each holds 60 s
      s.Feed(a.Create());
    }
    const LegScript over = ALeg("a-over");
    s.Feed(over.Create());
    CHECK(s.tracker->active_call_count() == 3);
    s.Feed(over.HangupComplete(kT0us + 2 * kSecond, kT0us + 2 * kSecond, kT0us + 12 * kSecond));
    CHECK(s.CdrOf("a-over").cost == M("0.10"));
  }
  s.control.Verify();
}

TEST_CASE("A CDR the store refuses for good does not keep its money held", "[billing][gone]") {
  Setup s;
  const LegScript a = ALeg("a-refused");
  StartPaidCall(s, a);
  s.repo.FailNextBillWith(base::InvalidArgument("a CDR the store cannot take"));
  const base::Status billed =
      s.tracker->OnEvent(a.HangupComplete(kT0us + 2 * kSecond, kT0us + 2 * kSecond, kT0us + 12 * kSecond));
  CHECK(billed.code() == base::StatusCode::kInvalidArgument);
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.tracker->unbilled_count() == 0);  // not retried: it would fail the same way
  s.control.Verify();
}
