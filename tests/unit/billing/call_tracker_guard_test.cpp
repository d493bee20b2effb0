// The traffic guards the call tracker decides (docs/BILLING.md "Toll-fraud
// guards"): calls up at once, calls in the last hour and calls to one number
// in the last hour, per extension, blocking or alert-only; and the cut where
// one call's cost reaches guards.max_call_cost.
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

namespace {

constexpr int64_t kMinute = 60 * kSecond;

// A tracker whose authorizer has `guards` (retail plan; 1001 and 1002 share
// an account with 100.00). Calls to 4420... cost 0.01 a second; each live
// call holds its first 60 s (0.60), so the n-th call up at once gets a hard
// stop of 10000 - 60 n seconds.
struct GuardSetup : Setup {
  explicit GuardSetup(const Authorizer::Options& guards) : Setup("100.00") {
    Authorizer::Options options = guards;
    options.default_plan = "retail";
    authorizer = std::make_unique<Authorizer>(repo, rates, rating::NumberNormaliser(), options);
    Rebuild(BaseOptions());
  }
  // Places call `uuid` created at `at_us`; `allowed` says what must happen
  // (a hard stop, or a kill as barred). Returns the admission's reason.
  std::string Place(const std::string& uuid, const std::string& number, int64_t at_us, bool allowed,
                    const std::string& caller = "1001") {
    LegScript a = ALeg(uuid, number);
    a.caller = caller;
    a.t0_us = at_us;
    if (allowed) {
      control.ExpectScheduleHangup(uuid, 10000 - 60 * live, kCauseOutOfTime);
    } else {
      control.ExpectKill(uuid, kCauseBarred);
    }
    Feed(a.Create());
    control.Verify();
    const CallTracker::Admission admission = tracker->AdmissionOf(CallId{uuid});
    CHECK((admission.state == State::kAllowed) == allowed);
    if (allowed) ++live;
    return admission.reason;
  }
  // The call ends unanswered: its hold is released.
  void End(const std::string& uuid, int64_t at_us) {
    LegScript a = ALeg(uuid);
    Feed(a.HangupComplete(0, 0, at_us, "NO_ANSWER"));
    --live;
  }
  int64_t live = 0;
};

constexpr const char* kLondon = "442012345678";
constexpr const char* kLeeds = "441132345678";

}  // namespace

TEST_CASE("An extension may have only so many calls up at once", "[billing][guards]") {
  Authorizer::Options g;
  g.max_concurrent_calls = 2;
  GuardSetup s(g);
  s.Place("c1", kLondon, kT0us, true);
  s.Place("c2", kLeeds, kT0us + kSecond, true);
  CHECK(s.Place("c3", kLondon, kT0us + 2 * kSecond, false) == "guard_concurrent_calls");
  s.Place("other-ext", kLondon, kT0us + 2 * kSecond, true, "1002");  // per extension
  s.End("c1", kT0us + 3 * kSecond);
  s.Place("c4", kLondon, kT0us + 4 * kSecond, true);  // one ended: room again
  s.Feed(ALeg("c3", kLondon).HangupComplete(0, 0, kT0us + 5 * kSecond, "OUTGOING_CALL_BARRED"));
  const Cdr cdr = s.CdrOf("c3");
  CHECK(cdr.disposition == Disposition::kDenied);
  CHECK(cdr.deny_reason == "guard_concurrent_calls");
}

TEST_CASE("An extension may place only so many calls an hour, and so many to one number", "[billing][guards]") {
  Authorizer::Options g;
  g.max_calls_per_hour = 4;
  g.max_repeats_per_hour = 2;
  GuardSetup s(g);
  s.Place("h1", kLondon, kT0us, true);
  s.Place("h2", kLondon, kT0us + kMinute, true);
  CHECK(s.Place("h3", kLondon, kT0us + 2 * kMinute, false) == "guard_repeated_number");
  s.Place("h4", kLeeds, kT0us + 3 * kMinute, true);
  s.Place("h5", "441612345678", kT0us + 4 * kMinute, true);
  CHECK(s.Place("h6", "441512345678", kT0us + 5 * kMinute, false) == "guard_calls_per_hour");
  // An hour after the first call it has left the window; the refused ones never counted.
  s.Place("h7", kLondon, kT0us + 60 * kMinute + kSecond, true);
  CHECK(s.Place("h8", "442072345678", kT0us + 60 * kMinute + 2 * kSecond, false) == "guard_calls_per_hour");
  s.Place("h9", "442072345678", kT0us + 61 * kMinute + kSecond, true);
}

TEST_CASE("A traffic guard in alert-only mode lets the call go and flags its CDR", "[billing][guards]") {
  Authorizer::Options g;
  g.max_repeats_per_hour = 1;
  g.alert_only = {"guard_repeated_number"};
  GuardSetup s(g);
  s.Place("r1", kLondon, kT0us, true);
  CHECK(s.Place("r2", kLondon, kT0us + kMinute, true).empty());
  LegScript a = ALeg("r2", kLondon);
  a.t0_us = kT0us + kMinute;
  s.Feed(a.Answer(kT0us + kMinute + 5 * kSecond));
  s.Feed(a.Bridge(kT0us + kMinute + 5 * kSecond));
  s.Feed(a.HangupComplete(kT0us + kMinute + 5 * kSecond, kT0us + kMinute + 5 * kSecond, kT0us + 2 * kMinute));
  const Cdr cdr = s.CdrOf("r2");
  CHECK(cdr.disposition == Disposition::kAnswered);
  CHECK(cdr.deny_reason == "guard_repeated_number");
  CHECK(cdr.cost > M("0"));
  s.Feed(ALeg("r1", kLondon).HangupComplete(0, 0, kT0us + 2 * kMinute, "NO_ANSWER"));
  CHECK(s.CdrOf("r1").deny_reason.empty());
}

TEST_CASE("A call is cut where its cost reaches the guards' cost of one call", "[billing][guards]") {
  Authorizer::Options g;
  g.max_call_cost = M("0.30");
  GuardSetup s(g);
  LegScript a = ALeg("cap", kLondon);
  s.control.ExpectScheduleHangup("cap", 30, kCauseOutOfTime);  // 0.30 at 0.01 a second
  s.Feed(a.Create());
  s.control.Verify();
  s.Feed(a.Answer(kT0us + kSecond));
  s.Feed(a.Bridge(kT0us + kSecond));
  s.Feed(a.HangupComplete(kT0us + kSecond, kT0us + kSecond, kT0us + 31 * kSecond, std::string(kCauseOutOfTime)));
  const Cdr cdr = s.CdrOf("cap");
  CHECK(cdr.disposition == Disposition::kCutOffNoFunds);
  CHECK(cdr.deny_reason == "guard_call_cost");
  CHECK(cdr.cost == M("0.30"));
}

TEST_CASE("In alert-only mode a call dearer than the cost of one call is flagged, not cut", "[billing][guards]") {
  Authorizer::Options g;
  g.max_call_cost = M("0.30");
  g.alert_only = {"guard_call_cost"};
  GuardSetup s(g);
  LegScript a = ALeg("dear", kLondon);
  s.control.ExpectScheduleHangup("dear", 10000, kCauseOutOfTime);
  s.Feed(a.Create());
  s.Feed(a.Answer(kT0us + kSecond));
  s.Feed(a.Bridge(kT0us + kSecond));
  s.Feed(a.HangupComplete(kT0us + kSecond, kT0us + kSecond, kT0us + 41 * kSecond));
  const Cdr cdr = s.CdrOf("dear");
  CHECK(cdr.disposition == Disposition::kAnswered);
  CHECK(cdr.deny_reason == "guard_call_cost");
  CHECK(cdr.cost == M("0.40"));
  s.control.Verify();
}

TEST_CASE("An extension's own traffic limits replace the box's", "[billing][guards]") {
  Authorizer::Options g;
  g.max_concurrent_calls = 1;
  g.max_calls_per_hour = 2;
  GuardSetup s(g);
  // 1002 (a call-centre phone): three calls at once, no hourly limit.
  auto x = s.repo.GetExtension("1002");
  REQUIRE(x.ok());
  x->guards.max_concurrent_calls = 3;
  x->guards.max_calls_per_hour = 0;
  REQUIRE(s.repo.PutExtension(*x, "test", s.clock.Now()).ok());

  s.Place("a1", kLondon, kT0us, true);
  CHECK(s.Place("a2", kLeeds, kT0us + kSecond, false) == "guard_concurrent_calls");  // the box's 1
  for (int i = 1; i <= 3; ++i) s.Place("b" + std::to_string(i), kLondon, kT0us + i * kSecond, true, "1002");
  CHECK(s.Place("b4", kLondon, kT0us + 4 * kSecond, false, "1002") == "guard_concurrent_calls");  // its own 3
  for (int i = 1; i <= 3; ++i) s.End("b" + std::to_string(i), kT0us + 5 * kSecond);
  for (int i = 5; i <= 7; ++i) {  // no hourly limit of its own: more than the box's 2
    const std::string id = "b" + std::to_string(i);
    s.Place(id, kLondon, kT0us + i * kSecond, true, "1002");
    s.End(id, kT0us + i * kSecond + 1);
  }
  s.End("a1", kT0us + 8 * kSecond);
  s.Place("a3", kLeeds, kT0us + 9 * kSecond, true);  // 1001's second call this hour
  s.End("a3", kT0us + 10 * kSecond);
  CHECK(s.Place("a4", kLeeds, kT0us + 11 * kSecond, false) == "guard_calls_per_hour");  // the box's 2
}
