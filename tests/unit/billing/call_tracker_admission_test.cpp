// Deciding before the carrier (issue "FreeSWITCH reality", items 2 and 3):
// what the dialplan's socket is told about a call (AdmissionOf), that a
// denied call killed twice (its uuid_kill and the socket's hangup) still
// gets its "denied" CDR, and that a denied call which connected anyway (the
// kill lost the race with the dialplan) is billed and keeps its flag.
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
using State = CallTracker::Admission::State;

TEST_CASE("The admission of a call says allowed with its hard stop, denied with its cause, or unknown",
          "[billing][admission]") {
  Setup s;  // 1.00 at 0.01 a second (442079460958): 100 s
  CHECK(s.tracker->AdmissionOf(CallId{"never-seen"}).state == State::kUnknown);

  const LegScript paid = ALeg("a-paid");
  s.control.ExpectScheduleHangup("a-paid", 100, kCauseOutOfTime);
  s.Feed(paid.Create());
  CallTracker::Admission a = s.tracker->AdmissionOf(CallId{"a-paid"});
  CHECK(a.state == State::kAllowed);
  CHECK(a.max_seconds == 100);

  LegScript internal = ALeg("a-int", "1002");
  s.Feed(internal.Create());
  a = s.tracker->AdmissionOf(CallId{"a-int"});
  CHECK(a.state == State::kAllowed);
  CHECK(a.max_seconds == 0);  // not billing's to stop

  LegScript dear = ALeg("a-dear", "447700900123");  // 1.25 for the first minute
  s.control.ExpectKill("a-dear", kCauseNoFunds);
  s.Feed(dear.Create());
  a = s.tracker->AdmissionOf(CallId{"a-dear"});
  CHECK(a.state == State::kDenied);
  CHECK(a.reason == "insufficient_funds");
  CHECK(a.cause == kCauseNoFunds);
  s.control.Verify();
}

TEST_CASE("While the first reservation is being written the admission is pending", "[billing][admission]") {
  Setup s;
  std::vector<std::function<base::Status()>> continuations;
  CallTracker::Options options = s.BaseOptions();
  options.post = [&](std::function<base::Status()> f) { continuations.push_back(std::move(f)); };
  s.Rebuild(std::move(options));
  s.Feed(ALeg("a-async").Create());
  // The fake repository's ReserveAsync completes at once, but its
  // continuation runs only when the billing thread gets to it.
  REQUIRE(continuations.size() == 1);
  CHECK(s.tracker->AdmissionOf(CallId{"a-async"}).state == State::kPending);
  s.control.ExpectScheduleHangup("a-async", 100, kCauseOutOfTime);
  REQUIRE(continuations.front()().ok());
  CHECK(s.tracker->AdmissionOf(CallId{"a-async"}).state == State::kAllowed);
  s.control.Verify();
}

TEST_CASE("A denied call FreeSWITCH already hung up keeps its denied CDR", "[billing][admission]") {
  Setup s;
  LegScript dear = ALeg("a-twice", "447700900123");
  s.control.ExpectKill("a-twice", kCauseNoFunds);
  s.Feed(dear.Create());
  // The socket's hangup landed first: our uuid_kill answers "No such channel".
  REQUIRE(s.tracker->OnChannelGone(CallId{"a-twice"}).ok());
  CHECK(s.tracker->active_call_count() == 1);  // still waits for its end, which says why
  s.Feed(dear.HangupComplete(0, 0, kT0us + kSecond, "CALL_REJECTED"));
  const Cdr cdr = s.CdrOf("a-twice");
  CHECK(cdr.disposition == Disposition::kDenied);
  CHECK(cdr.deny_reason == "insufficient_funds");
  CHECK(s.tracker->let_go_count() == 0);
  s.control.Verify();
}

TEST_CASE("A denied call that connected before its kill landed is billed and flagged", "[billing][admission]") {
  Setup s("0.50");
  LegScript dear = ALeg("a-race", "447700900123");  // 1.25 for the first minute: denied
  s.control.ExpectKill("a-race", kCauseNoFunds);
  s.Feed(dear.Create());
  // The dialplan bridged and the far end answered before the kill arrived.
  s.Feed(dear.Answer(kT0us + kSecond / 10));
  s.Feed(dear.Bridge(kT0us + kSecond / 10));
  s.Feed(dear.HangupComplete(kT0us + kSecond / 10, kT0us + kSecond / 10, kT0us + 3 * kSecond, "CALL_REJECTED"));
  const Cdr cdr = s.CdrOf("a-race");
  CHECK(cdr.disposition == Disposition::kAnswered);
  CHECK(cdr.deny_reason == "insufficient_funds");  // the flag
  CHECK(cdr.billsec == 3);
  CHECK(cdr.cost == M("1.25"));     // what the carrier bills: the first minute
  CHECK(cdr.charged == M("0.50"));  // all the account had; the rest uncollected
  CHECK(s.Acc().balance == M("0"));
  CHECK(s.Acc().reserved == M("0"));
  s.control.Verify();
}

TEST_CASE("A disabled extension's call that connected anyway is rated when billed", "[billing][admission]") {
  Setup s;
  REQUIRE(s.repo.PutExtension({"1001", "Alice", s.account, std::nullopt, false}, "test", s.clock.Now()).ok());
  LegScript a = ALeg("a-off");
  s.control.ExpectKill("a-off", kCauseBarred);
  s.Feed(a.Create());
  s.Feed(a.Answer(kT0us));
  s.Feed(a.Bridge(kT0us));
  s.Feed(a.HangupComplete(kT0us, kT0us, kT0us + 10 * kSecond, "OUTGOING_CALL_BARRED"));
  const Cdr cdr = s.CdrOf("a-off");
  CHECK(cdr.disposition == Disposition::kAnswered);
  CHECK(cdr.deny_reason == "extension_disabled");
  CHECK(cdr.zone == "Zone 44");
  CHECK(cdr.cost == M("0.10"));
  s.control.Verify();
}
