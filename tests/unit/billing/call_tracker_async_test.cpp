// The billing thread never waits on a disk flush (issue #13): with
// Options::post set, extensions and releases are queued like reservations
// and billings, and their results come back as continuations. Here the
// store's writes wait until the test completes them, and the continuations
// until the test runs them, so every interleaving is chosen, not raced.
#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "billing/call_tracker.h"
#include "billing/ledger.h"
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

using Writes = std::vector<std::string>;

// A tracker in the billing loop's mode (Options::post set) over a fake
// repository that holds every queued write until the test completes it.
// Continuations are collected and run by the test, in order.
struct HeldWritesSetup : Setup {
  std::deque<std::function<base::Status()>> posted;

  explicit HeldWritesSetup(const char* balance = "1.00") : Setup(balance) {
    repo.set_hold_writes(true);
    CallTracker::Options options = BaseOptions();
    options.post = [this](std::function<base::Status()> f) { posted.push_back(std::move(f)); };
    Rebuild(std::move(options));
  }

  Writes Held() { return repo.held_writes(); }
  // Runs the oldest continuation and returns what it returned.
  base::Status RunNextPosted() {
    REQUIRE_FALSE(posted.empty());
    std::function<base::Status()> f = std::move(posted.front());
    posted.pop_front();
    return f();
  }
  // Runs every continuation posted so far (and those they post); each must succeed.
  void RunPosted() {
    while (!posted.empty()) REQUIRE(RunNextPosted().ok());
  }
  // Completes every held write and runs every continuation, until neither is left.
  void Settle() {
    while (!repo.held_writes().empty() || !posted.empty()) {
      repo.CompleteAll();
      RunPosted();
    }
  }
  void SetClockAt(int64_t us) { clock.Set(base::Instant::FromMicros(us)); }
  void TickOk() { REQUIRE(tracker->Tick().ok()); }
  bool HoldsReservation(const std::string& call) { return repo.GetReservation(CallId{call}).ok(); }
};

// CREATE (its reservation committed and the hard stop sent), then answered
// and bridged at `connected_us`.
void StartHeldCall(HeldWritesSetup& s, const LegScript& a, int64_t hard_stop_s, int64_t connected_us) {
  s.Feed(a.Create());
  CHECK(s.Held() == Writes{"reserve " + a.uuid});
  s.control.ExpectScheduleHangup(a.uuid, hard_stop_s, kCauseOutOfTime);
  s.Settle();
  s.Feed(a.Answer(connected_us));
  s.Feed(a.Bridge(connected_us));
}

}  // namespace

TEST_CASE("Queued: one extension per call is in flight, and its result applies the new covered time",
          "[billing][tracker][async]") {
  HeldWritesSetup s("5.00");
  const LegScript a = ALeg("a-q1");
  const int64_t c = kT0us + 2 * kSecond;
  StartHeldCall(s, a, 500, c);

  s.SetClockAt(c + 50 * kSecond);  // 10 s of the first 60 left
  s.TickOk();
  CHECK(s.Held() == Writes{"extend a-q1 120"});
  CHECK(s.tracker->in_flight() == 1);
  // Still in flight a second later, with even less paid time left: nothing
  // more is queued for the call.
  s.SetClockAt(c + 51 * kSecond);
  s.TickOk();
  CHECK(s.Held() == Writes{"extend a-q1 120"});

  // Committed, but not yet handed back: the tracker still counts what it had,
  // and does not queue it again.
  REQUIRE(s.repo.CompleteNext());
  CHECK(s.Acc().reserved == M("1.20"));
  CHECK(s.posted.size() == 1);
  CHECK(s.tracker->ActiveCalls().at(0).covered_s == 60);
  s.TickOk();
  CHECK(s.Held().empty());

  s.RunPosted();
  CHECK(s.tracker->in_flight() == 0);
  REQUIRE(s.tracker->ActiveCalls().size() == 1);
  CHECK(s.tracker->ActiveCalls()[0].covered_s == 120);
  CHECK(s.tracker->ActiveCalls()[0].reserved == M("1.20"));
  CHECK_FALSE(s.tracker->ActiveCalls()[0].cut_off);

  // The next one is due 10 s before 120 s, from the new covered time.
  s.SetClockAt(c + 109 * kSecond);
  s.TickOk();
  CHECK(s.Held().empty());
  s.SetClockAt(c + 110 * kSecond);
  s.TickOk();
  CHECK(s.Held() == Writes{"extend a-q1 180"});
  s.Settle();
  CHECK(s.tracker->ActiveCalls().at(0).covered_s == 180);
  CHECK(s.Acc().reserved == M("1.80"));
  CHECK(s.repo.Consistent());
  s.control.Verify();
}

TEST_CASE("Queued: a HANGUP_COMPLETE while the extension is in flight is billed once and holds nothing after",
          "[billing][tracker][async]") {
  HeldWritesSetup s("5.00");
  const LegScript a = ALeg("a-q2");
  const int64_t c = kT0us + 2 * kSecond;
  StartHeldCall(s, a, 500, c);
  s.SetClockAt(c + 50 * kSecond);
  s.TickOk();
  REQUIRE(s.Held() == Writes{"extend a-q2 120"});

  s.SetClockAt(c + 55 * kSecond + 300'000);
  s.Feed(a.HangupComplete(c, c, c + 55 * kSecond + 300'000));
  // The billing is queued behind the extension; the call is no longer tracked.
  CHECK(s.Held() == Writes{"extend a-q2 120", "bill a-q2"});
  CHECK(s.tracker->active_call_count() == 0);
  CHECK(s.tracker->in_flight() == 2);
  s.TickOk();  // nothing to extend for a call that ended
  CHECK(s.Held().size() == 2);

  // The extension commits first and its continuation finds the call gone.
  REQUIRE(s.repo.CompleteNext());
  CHECK(s.Acc().reserved == M("1.20"));
  REQUIRE(s.RunNextPosted().ok());
  CHECK(s.Held() == Writes{"bill a-q2"});
  CHECK(s.tracker->active_call_count() == 0);
  // The billing releases all of it.
  s.Settle();
  const Cdr cdr = s.CdrOf("a-q2");
  CHECK(cdr.billsec == 55);
  CHECK(cdr.cost == M("0.55"));
  CHECK(cdr.charged == M("0.55"));
  CHECK(cdr.disposition == Disposition::kAnswered);
  CHECK(s.Acc().balance == M("4.45"));
  CHECK(s.Acc().reserved == M("0"));
  CHECK_FALSE(s.HoldsReservation("a-q2"));
  CHECK(s.repo.cdr_count() == 1);
  CHECK(s.repo.ledger_size() == 2);  // the recharge and one charge
  CHECK(s.repo.Consistent());
  CHECK(s.tracker->in_flight() == 0);
  CHECK(s.tracker->unbilled_count() == 0);
  s.control.Verify();
}

TEST_CASE("Queued: an extension refused after its call ended takes no more money and cuts nothing",
          "[billing][tracker][async]") {
  HeldWritesSetup s;
  const LegScript a = ALeg("a-q3");
  const int64_t c = kT0us + 2 * kSecond;
  StartHeldCall(s, a, 100, c);
  Ledger ledger(s.repo, s.clock);
  REQUIRE(ledger.Adjust(s.account, M("-0.30"), "test", "spent elsewhere").ok());  // 0.10 left beside 0.60 held
  s.SetClockAt(c + 50 * kSecond);
  s.TickOk();
  s.Feed(a.HangupComplete(c, c, c + 55 * kSecond));
  REQUIRE(s.Held() == Writes{"extend a-q3 100", "bill a-q3"});
  s.repo.CompleteAll();  // the extension is refused (insufficient funds), then the call is billed
  s.RunPosted();
  CHECK(s.Held().empty());  // no partial extension for a call that is gone
  CHECK(s.CdrOf("a-q3").charged == M("0.55"));
  CHECK(s.Acc().balance == M("0.15"));
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.repo.Consistent());
  s.control.Verify();  // and no cut-off was sent (the strict control fails on one)
}

TEST_CASE("Queued: a refused extension is followed by the partial one, then the cut-off where the money ends",
          "[billing][tracker][async]") {
  HeldWritesSetup s;
  const LegScript a = ALeg("a-q4");
  const int64_t c = kT0us + 2 * kSecond;
  StartHeldCall(s, a, 100, c);
  Ledger ledger(s.repo, s.clock);
  REQUIRE(ledger.Adjust(s.account, M("-0.30"), "test", "spent elsewhere").ok());  // 0.10 left beside 0.60 held

  s.SetClockAt(c + 50 * kSecond);
  s.TickOk();
  REQUIRE(s.Held() == Writes{"extend a-q4 100"});
  REQUIRE(s.repo.CompleteNext());  // refused: 0.10 available for the 0.40 more (to the 100 s hard stop)
  CHECK(s.Acc().reserved == M("0.60"));
  // Its continuation reads the account and queues what it can still pay:
  // 60 s + 0.10 at 0.01/s = 70 s. No cut-off before that money is held.
  s.RunPosted();
  CHECK(s.Held() == Writes{"extend a-q4 70"});
  CHECK(s.control.sent() == 1);  // the hard stop only
  CHECK_FALSE(s.tracker->ActiveCalls().at(0).cut_off);
  s.SetClockAt(c + 51 * kSecond);
  s.TickOk();  // the partial extension is in flight: nothing more
  CHECK(s.Held() == Writes{"extend a-q4 70"});

  REQUIRE(s.repo.CompleteNext());
  CHECK(s.Acc().reserved == M("0.70"));
  CHECK(AvailableMoney(s.Acc()) == M("0"));
  // Reckoned when the result is back: at connected + 51 s, the hangup goes
  // 19 s later, at connected + 70 s.
  s.control.ExpectScheduleHangup("a-q4", 19, kCauseOutOfTime);
  s.RunPosted();
  s.control.Verify();
  REQUIRE(s.tracker->ActiveCalls().size() == 1);
  CHECK(s.tracker->ActiveCalls()[0].cut_off);
  CHECK(s.tracker->ActiveCalls()[0].covered_s == 70);
  CHECK(s.tracker->in_flight() == 0);
  s.SetClockAt(c + 60 * kSecond);
  s.TickOk();  // already cut: nothing queued, nothing sent
  CHECK(s.Held().empty());

  s.Feed(a.HangupComplete(c, c, c + 70 * kSecond, std::string(kCauseOutOfTime)));
  s.Settle();
  const Cdr cdr = s.CdrOf("a-q4");
  CHECK(cdr.disposition == Disposition::kCutOffNoFunds);
  CHECK(cdr.billsec == 70);
  CHECK(cdr.cost == M("0.70"));
  CHECK(cdr.charged == M("0.70"));
  CHECK(s.Acc().balance == M("0"));
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.repo.Consistent());
  s.control.Verify();
}

TEST_CASE("Queued: a refused extension with nothing left to take kills the call when its result is back",
          "[billing][tracker][async]") {
  HeldWritesSetup s;
  const LegScript a = ALeg("a-q5");
  const int64_t c = kT0us + 2 * kSecond;
  StartHeldCall(s, a, 100, c);
  Ledger ledger(s.repo, s.clock);
  REQUIRE(ledger.Adjust(s.account, M("-0.40"), "test", "").ok());  // nothing beside the 0.60 held
  s.SetClockAt(c + 55 * kSecond);
  s.TickOk();
  REQUIRE(s.Held() == Writes{"extend a-q5 100"});
  s.repo.CompleteAll();
  // Back at connected + 60 s: the paid time is used up.
  s.SetClockAt(c + 60 * kSecond);
  s.control.ExpectKill("a-q5", kCauseOutOfTime);
  s.RunPosted();
  CHECK(s.Held().empty());  // nothing more to hold: no partial extension
  CHECK(s.tracker->ActiveCalls().at(0).cut_off);
  s.control.Verify();
}

TEST_CASE("Queued: a call let go while its extension is in flight has all its money released once committed",
          "[billing][tracker][async]") {
  HeldWritesSetup s("5.00");
  const LegScript a = ALeg("a-q6");
  const int64_t c = kT0us + 2 * kSecond;
  StartHeldCall(s, a, 500, c);
  s.SetClockAt(c + 50 * kSecond);
  s.TickOk();
  REQUIRE(s.tracker->OnChannelGone(CallId{"a-q6"}).ok());
  CHECK(s.tracker->active_call_count() == 0);
  CHECK(s.Held() == Writes{"extend a-q6 120", "release a-q6"});
  CHECK(s.Acc().reserved == M("0.60"));  // nothing committed yet
  CHECK(s.tracker->in_flight() == 2);

  s.repo.CompleteAll();
  s.RunPosted();
  CHECK_FALSE(s.HoldsReservation("a-q6"));
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.Acc().balance == M("5.00"));
  CHECK(s.tracker->active_call_count() == 0);
  CHECK(s.tracker->in_flight() == 0);
  CHECK(s.tracker->let_go_count() == 1);
  CHECK(s.repo.Consistent());
  s.control.Verify();
}

TEST_CASE("Queued: a reconcile's releases are queued, and one in flight is not taken for an orphan",
          "[billing][tracker][async]") {
  HeldWritesSetup s;
  // Held by a previous run for a call that ended while it was down.
  REQUIRE(s.repo.Reserve({CallId{"orphan-1"}, s.account, M("0.20"), 20, s.clock.Now(), s.clock.Now()}).ok());
  // Tracked, but FreeSWITCH will no longer list it.
  const LegScript a = ALeg("a-q7");
  StartHeldCall(s, a, 80, kT0us + 2 * kSecond);  // 1.00 - 0.20 held for the orphan: 80 s
  CHECK(s.Acc().reserved == M("0.80"));

  s.SetClockAt(kT0us + 40 * kSecond);  // older than the list's lag
  s.tracker->CheckRequested();
  auto report = s.tracker->Reconcile({});
  REQUIRE(report.ok());
  CHECK(report->gone == 1);
  // a-q7's reservation is still listed (its release is not committed yet),
  // but it is not an orphan: only orphan-1 is released as one.
  CHECK(report->orphans_released == 1);
  CHECK(s.Held() == Writes{"release a-q7", "release orphan-1"});
  CHECK(s.Acc().reserved == M("0.80"));
  CHECK(s.tracker->in_flight() == 2);

  // A second check before they commit releases nothing twice.
  s.tracker->CheckRequested();
  report = s.tracker->Reconcile({});
  REQUIRE(report.ok());
  CHECK(report->gone == 0);
  CHECK(report->orphans_released == 0);
  CHECK(s.Held().size() == 2);

  s.Settle();
  CHECK(s.repo.ListReservations()->empty());
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.tracker->in_flight() == 0);
  CHECK(s.repo.Consistent());
  s.control.Verify();
}

TEST_CASE("Queued: a CDR the store refuses for good has its call's reservation released by a queued write",
          "[billing][tracker][async]") {
  HeldWritesSetup s;
  const LegScript a = ALeg("a-q8");
  const int64_t c = kT0us + 2 * kSecond;
  StartHeldCall(s, a, 100, c);
  s.repo.FailNextBillWith(base::InvalidArgument("a CDR the store refuses"));
  s.Feed(a.HangupComplete(c, c, c + 10 * kSecond));
  REQUIRE(s.Held() == Writes{"bill a-q8"});
  REQUIRE(s.repo.CompleteNext());
  CHECK(s.RunNextPosted().code() == base::StatusCode::kInvalidArgument);  // the billing's failure, for the loop to log
  CHECK(s.Held() == Writes{"release a-q8"});
  CHECK(s.Acc().reserved == M("0.60"));
  s.Settle();
  CHECK_FALSE(s.HoldsReservation("a-q8"));
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.Acc().balance == M("1.00"));
  CHECK(s.tracker->unbilled_count() == 0);  // refused for good: not retried
  CHECK(s.tracker->in_flight() == 0);
  s.control.Verify();
}
