// BillingLoop: the billing thread feeds the tracker in order and answers
// backfills and active-call snapshots.
#include "billing/billing_loop.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <vector>

#include "unit/billing/tracker_setup.h"

using namespace tarifador;
using namespace tarifador::billing;
using namespace std::chrono_literals;
using testing::ALeg;
using testing::BLeg;
using testing::kSecond;
using testing::kT0us;
using testing::LegScript;
using testing::M;
using testing::Setup;

namespace {

struct LoopSetup : Setup {
  std::vector<int64_t> latencies;
  std::mutex latencies_mu;
  std::unique_ptr<BillingLoop> loop;
  std::atomic<bool> link_up{true};

  LoopSetup() {
    CallTracker::Options options;
    options.site_id = "site-a";
    BillingLoop::Options loop_options;
    loop_options.steady = &steady;  // ticks and held backfills move only with Elapse()
    loop_options.link_up = [this] { return link_up.load(); };
    loop = std::make_unique<BillingLoop>(repo, *authorizer, control, clock, options, std::move(loop_options),
                                         [this](int64_t us) {
                                           std::lock_guard lock(latencies_mu);
                                           latencies.push_back(us);
                                         });
    REQUIRE(loop->Start().ok());
  }
};

}  // namespace

TEST_CASE("The billing loop bills posted events in order and reports latency", "[billing][loop]") {
  LoopSetup s;
  LegScript a = ALeg("a-loop");
  s.control.ExpectScheduleHangup("a-loop", 100, kCauseOutOfTime);
  s.loop->Post(a.Create());
  s.loop->Post(a.Answer(kT0us + kSecond));
  s.loop->Post(a.Bridge(kT0us + kSecond));
  auto active = s.loop->ActiveCalls(5s);  // queued after the three events
  REQUIRE(active.ok());
  REQUIRE(active->size() == 1);
  CHECK(active->front().call.value == "a-loop");
  CHECK(active->front().connected_us == kT0us + kSecond);

  s.loop->Post(a.HangupComplete(kT0us + kSecond, kT0us + kSecond, kT0us + 11 * kSecond));
  s.loop->Stop();  // handles what is queued first
  CHECK(s.CdrOf("a-loop").cost == M("0.10"));
  CHECK(s.loop->stats().events == 4);
  CHECK(s.loop->stats().failures == 0);
  CHECK(s.latencies.size() == 1);
  CHECK(s.latencies.front() >= 0);
  s.control.Verify();
}

TEST_CASE("Backfills say what they did, and bill once", "[billing][loop]") {
  LoopSetup s;
  LegScript a = ALeg("a-bf");
  LegScript b = BLeg(a, "b-bf");
  const CallEvent done = a.HangupComplete(kT0us + kSecond, kT0us + kSecond, kT0us + 21 * kSecond);

  auto first = s.loop->Backfill(done).get();
  REQUIRE(first.ok());
  CHECK(*first == "billed");
  auto again = s.loop->Backfill(done).get();
  REQUIRE(again.ok());
  CHECK(*again == "already_billed");
  auto other = s.loop->Backfill(b.HangupComplete(kT0us + kSecond, kT0us + kSecond, kT0us + 21 * kSecond)).get();
  REQUIRE(other.ok());
  CHECK(*other == "not_billed");
  auto not_end = s.loop->Backfill(a.Create()).get();
  CHECK(not_end.status().code() == base::StatusCode::kInvalidArgument);

  CHECK(s.repo.cdr_count() == 1);
  CHECK(s.Acc().balance == M("0.80"));
  s.loop->Stop();
  auto late = s.loop->Backfill(done).get();
  CHECK(late.status().code() == base::StatusCode::kUnavailable);
  CHECK(s.loop->ActiveCalls(1s).status().code() == base::StatusCode::kUnavailable);
  s.control.Verify();
}

TEST_CASE("Link restoration and reconcile run in event order on the loop", "[billing][loop]") {
  LoopSetup s;
  LegScript a = ALeg("a-rc");
  s.control.ExpectScheduleHangup("a-rc", 100, kCauseOutOfTime);
  s.loop->Post(a.Create());
  s.loop->Post(a.Answer(kT0us + kSecond));
  s.loop->Post(a.Bridge(kT0us + kSecond));
  // The reservation's continuation (the hard stop) comes back through the
  // queue after the events queued with the CREATE; two snapshots drain it.
  REQUIRE(s.loop->ActiveCalls(5s).ok());
  REQUIRE(s.loop->ActiveCalls(5s).ok());
  s.loop->PostLinkRestored(base::Instant::FromMicros(kT0us + 11 * kSecond));
  s.loop->PostReconcile({});
  s.loop->Stop();
  CHECK(s.CdrOf("a-rc").billsec == 10);
  CHECK(s.loop->stats().reconciles == 1);
  CHECK(s.loop->stats().finalised == 1);
  s.control.Verify();
}

TEST_CASE("A call that hangs up while the reconcile's show channels is on its way holds no money", "[billing][loop]") {
  // The order of the kill9 failure, through the queue and the async writes:
  // link restored, the listed call's HANGUP_COMPLETE, then the list.
  LoopSetup s;
  LegScript a = ALeg("a-late-list");
  CallTracker::LiveChannel listed;
  listed.leg = CallId{"a-late-list"};
  listed.caller = "1001";
  listed.destination = "442079460958";
  listed.context = "default";
  listed.created_us = kT0us;
  listed.answered = true;
  s.loop->PostLinkRestored(base::Instant::FromMicros(kT0us));
  s.loop->Post(a.HangupComplete(kT0us + kSecond, kT0us + kSecond, kT0us + 21 * kSecond));
  s.loop->PostReconcile({listed});
  REQUIRE(s.loop->ActiveCalls(5s).ok());
  auto active = s.loop->ActiveCalls(5s);  // after any continuation queued by the reconcile
  REQUIRE(active.ok());
  CHECK(active->empty());
  s.loop->Stop();
  CHECK(s.CdrOf("a-late-list").cost == M("0.20"));
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.loop->stats().reattached == 0);
  CHECK(s.loop->stats().failures == 0);
  s.control.Verify();
}

namespace {

// A call up and connected on the loop: CREATE, ANSWER and BRIDGE handled.
void StartLive(LoopSetup& s, const LegScript& a) {
  s.control.ExpectScheduleHangup(a.uuid, 100, kCauseOutOfTime);
  s.loop->Post(a.Create());
  s.loop->Post(a.Answer(kT0us + kSecond));
  s.loop->Post(a.Bridge(kT0us + kSecond));
  REQUIRE(s.loop->ActiveCalls(5s).ok());  // queued after them: they are handled
}

CallEvent Hangup(const LegScript& a, int64_t at_us) {
  CallEvent e = a.HangupComplete(kT0us + kSecond, kT0us + kSecond, at_us);
  e.kind = CallEventKind::kHangup;
  return e;
}

}  // namespace

TEST_CASE("A CDR posted for a call still up waits for its hangup and is refused if none comes",
          "[billing][loop][backfill]") {
  LoopSetup s;
  const LegScript a = ALeg("a-forged");
  StartLive(s, a);
  auto forged = s.loop->Backfill(a.HangupComplete(kT0us + kSecond, kT0us + kSecond, kT0us + 2 * kSecond));
  // Held: nothing decides it until its hangup comes or the hold runs out.
  CHECK(forged.wait_for(100ms) == std::future_status::timeout);
  s.steady.Advance(2s);
  const auto answer = forged.get();
  CHECK(answer.status().code() == base::StatusCode::kFailedPrecondition);
  CHECK_THAT(answer.status().message(), Catch::Contains("still up"));
  CHECK_FALSE(s.repo.GetCdr(CallId{"a-forged"}).ok());
  auto active = s.loop->ActiveCalls(5s);
  REQUIRE(active.ok());
  CHECK(active->size() == 1);  // the call goes on, its money held
  CHECK(s.Acc().reserved == M("0.60"));
  s.loop->Stop();
  s.control.Verify();
}

TEST_CASE("FreeSWITCH's POST before the hangup's events: billed once, whichever comes first",
          "[billing][loop][backfill]") {
  LoopSetup s;
  const LegScript a = ALeg("a-real");
  StartLive(s, a);
  const CallEvent done = a.HangupComplete(kT0us + kSecond, kT0us + kSecond, kT0us + 31 * kSecond);
  auto posted = s.loop->Backfill(done);
  CHECK(posted.wait_for(100ms) == std::future_status::timeout);
  SECTION("CHANNEL_HANGUP arrives: the POST bills, the live HANGUP_COMPLETE finds it billed") {
    s.loop->Post(Hangup(a, kT0us + 31 * kSecond));
    const auto answer = posted.get();
    REQUIRE(answer.ok());
    CHECK(*answer == "billed");
    s.loop->Post(done);
  }
  SECTION("HANGUP_COMPLETE arrives: the live event bills, the POST finds it billed") {
    s.loop->Post(done);
    const auto answer = posted.get();
    REQUIRE(answer.ok());
    CHECK(*answer == "already_billed");
  }
  s.loop->Stop();
  CHECK(s.CdrOf("a-real").cost == M("0.30"));
  CHECK(s.repo.cdr_count() == 1);
  CHECK(s.Acc().balance == M("0.70"));
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.loop->stats().failures == 0);
  s.control.Verify();
}

TEST_CASE("With the link down a CDR for a tracked call bills at once: it is the only record",
          "[billing][loop][backfill]") {
  LoopSetup s;
  const LegScript a = ALeg("a-outage");
  StartLive(s, a);
  s.link_up = false;
  const auto answer = s.loop->Backfill(a.HangupComplete(kT0us + kSecond, kT0us + kSecond, kT0us + 11 * kSecond)).get();
  REQUIRE(answer.ok());
  CHECK(*answer == "billed");
  s.loop->Stop();
  CHECK(s.CdrOf("a-outage").billsec == 10);
  CHECK(s.Acc().reserved == M("0"));
  s.control.Verify();
}

TEST_CASE("A CDR with impossible times is refused and bills nothing", "[billing][loop][backfill]") {
  LoopSetup s;
  const LegScript a = ALeg("a-bad");
  // Answered before the call existed: it would bill 160 s for a 60 s call.
  CallEvent bad = a.HangupComplete(kT0us - 100 * kSecond, kT0us - 100 * kSecond, kT0us + 60 * kSecond);
  const auto answer = s.loop->Backfill(bad).get();
  CHECK(answer.status().code() == base::StatusCode::kInvalidArgument);
  CHECK_THAT(answer.status().message(), Catch::Contains("before it started") && Catch::Contains("nothing billed"));
  s.loop->Stop();
  CHECK(s.repo.cdr_count() == 0);
  CHECK(s.Acc().balance == M("1.00"));
}

TEST_CASE("Admit settles a held call: its own CREATE or the live one, whichever comes first", "[billing][loop]") {
  LoopSetup s;
  LegScript a = ALeg("a-held");
  s.control.ExpectScheduleHangup("a-held", 100, kCauseOutOfTime);
  auto admitted = s.loop->Admit(a.Create(), 5s);
  REQUIRE(admitted.ok());
  CHECK(admitted->state == CallTracker::Admission::State::kAllowed);
  CHECK(admitted->max_seconds == 100);
  // The live CHANNEL_CREATE arriving later is a duplicate: one reservation.
  s.loop->Post(a.Create());
  auto again = s.loop->Admit(a.Create(), 5s);
  REQUIRE(again.ok());
  CHECK(again->state == CallTracker::Admission::State::kAllowed);
  auto active = s.loop->ActiveCalls(5s);
  REQUIRE(active.ok());
  CHECK(active->size() == 1);
  CHECK(s.Acc().reserved == M("0.60"));  // one debit interval of 60 s at 0.01/s, once

  LegScript dear = ALeg("a-held-dear", "447700900123");
  s.control.ExpectKill("a-held-dear", kCauseNoFunds);
  auto denied = s.loop->Admit(dear.Create(), 5s);
  REQUIRE(denied.ok());
  CHECK(denied->state == CallTracker::Admission::State::kDenied);
  CHECK(denied->reason == "insufficient_funds");
  s.loop->Stop();
  CHECK(s.loop->Admit(ALeg("a-late").Create(), 5s).status().code() == base::StatusCode::kUnavailable);
  s.control.Verify();
}
