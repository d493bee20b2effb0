// PIN calls (docs/BILLING.md "PIN codes"): the CREATE of a call dialled
// with pins.prefix decides nothing; the dialplan's socket brings the checked
// code, and the code's owner pays. Wrong or missing codes are refused
// without a kill (the socket holds the call and hangs it up itself).
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

constexpr const char* kNumber = "442079460958";  // Zone 44: 0.60 a minute, per second

struct PinSetup : Setup {
  AccountId ana;
  PinSetup() {
    ana = repo.CreateAccount({"Ana García", AccountType::kPrepaid, {}, {}}, "test", clock.Now())->id;
    REQUIRE(repo.ApplyMovement({ana, LedgerKind::kRecharge, M("5.00"), "test", "", clock.Now(), {}, {}}).ok());
    CallTracker::Options options = BaseOptions();
    options.pin_prefix = "*7";
    Rebuild(std::move(options));
  }
  Account Ana() { return *repo.GetAccount(ana); }
  PinCheck Granted(std::vector<std::string> zones = {}) {
    return PinCheck{PinVerdict::kGranted, PinGrant{"1003", "Ana García", ana, std::move(zones)}};
  }
  // The socket's view of the call after the dialplan's transfer: the real number.
  static CallEvent Held(const std::string& uuid) { return ALeg(uuid, kNumber).Create(); }
};

LegScript PinLeg(const std::string& uuid) { return ALeg(uuid, std::string("*7") + kNumber); }

}  // namespace

TEST_CASE("A PIN call waits for its code, then its owner's account pays", "[billing][pin]") {
  PinSetup s;
  const LegScript a = PinLeg("a-pin");
  s.Feed(a.Create());
  // Nothing decided, nothing reserved, nobody killed while the caller keys.
  CHECK(s.tracker->active_call_count() == 1);
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.Ana().reserved == M("0"));

  s.control.ExpectScheduleHangup("a-pin", 500, kCauseOutOfTime);  // 5.00 at 0.01 a second
  REQUIRE(s.tracker->OnPinChecked(PinSetup::Held("a-pin"), s.Granted()).ok());
  const CallTracker::Admission admission = s.tracker->AdmissionOf(CallId{"a-pin"});
  CHECK(admission.state == State::kAllowed);
  CHECK(admission.max_seconds == 500);
  CHECK(s.Ana().reserved == M("0.60"));  // the first 60 s interval
  CHECK(s.Acc().reserved == M("0"));     // the phone's account holds nothing

  LegScript after = ALeg("a-pin", kNumber);  // the events after the transfer carry the real number
  s.Feed(after.Answer(kT0us + 5 * kSecond));
  s.Feed(after.Bridge(kT0us + 5 * kSecond));
  s.Feed(after.HangupComplete(kT0us + 5 * kSecond, kT0us + 5 * kSecond, kT0us + 35 * kSecond, "NORMAL_CLEARING"));
  const Cdr cdr = s.CdrOf("a-pin");
  CHECK(cdr.disposition == Disposition::kAnswered);
  CHECK(cdr.account_id == s.ana);
  CHECK(cdr.pin_id == "1003");
  CHECK(cdr.pin_owner == "Ana García");
  CHECK(cdr.caller == "1001");  // the phone it was made from
  CHECK(cdr.destination == kNumber);
  CHECK(cdr.cost == M("0.30"));
  CHECK(s.Ana().balance == M("4.70"));
  CHECK(s.Ana().reserved == M("0"));
  CHECK(s.Acc().balance == M("1.00"));
  s.control.Verify();
}

TEST_CASE("A wrong, locked or missing code refuses the PIN call, and the socket hangs it up", "[billing][pin]") {
  const auto [verdict, reason] = GENERATE(table<std::optional<PinVerdict>, std::string>({
      {PinVerdict::kInvalid, "pin_invalid"},
      {PinVerdict::kLocked, "pin_locked"},
      {PinVerdict::kMissing, "pin_missing"},
      {std::nullopt, "pin_missing"},
  }));
  PinSetup s;
  const LegScript a = PinLeg("a-bad");
  s.Feed(a.Create());
  std::optional<PinCheck> check;
  if (verdict) check = PinCheck{*verdict, std::nullopt};
  // No kill: the strict call control fails on any command.
  REQUIRE(s.tracker->OnPinChecked(PinSetup::Held("a-bad"), check).ok());
  const CallTracker::Admission admission = s.tracker->AdmissionOf(CallId{"a-bad"});
  CHECK(admission.state == State::kDenied);
  CHECK(admission.reason == reason);
  CHECK(admission.cause == kCauseNoFunds);
  s.Feed(ALeg("a-bad", kNumber).HangupComplete(0, 0, kT0us + 9 * kSecond, "CALL_REJECTED"));
  const Cdr cdr = s.CdrOf("a-bad");
  CHECK(cdr.disposition == Disposition::kDenied);
  CHECK(cdr.deny_reason == reason);
  CHECK(cdr.pin_id.empty());
  CHECK(cdr.cost == M("0"));
  CHECK(s.Ana().balance == M("5.00"));
  s.control.Verify();
}

TEST_CASE("A PIN call outside its code's class of service is refused", "[billing][pin]") {
  PinSetup s;
  s.Feed(PinLeg("a-zone").Create());
  REQUIRE(s.tracker->OnPinChecked(PinSetup::Held("a-zone"), s.Granted({"Zone 1"})).ok());
  const CallTracker::Admission admission = s.tracker->AdmissionOf(CallId{"a-zone"});
  CHECK(admission.state == State::kDenied);
  CHECK(admission.reason == "pin_zone_not_allowed");
  CHECK(admission.cause == kCauseBarred);
  CHECK(s.Ana().reserved == M("0"));

  // The same code may call its own zones.
  s.Feed(PinLeg("a-zone-ok").Create());
  s.control.ExpectScheduleHangup("a-zone-ok", 500, kCauseOutOfTime);
  REQUIRE(s.tracker->OnPinChecked(PinSetup::Held("a-zone-ok"), s.Granted({"Zone 1", "Zone 44"})).ok());
  CHECK(s.tracker->AdmissionOf(CallId{"a-zone-ok"}).state == State::kAllowed);
  s.control.Verify();
}

TEST_CASE("A disabled phone still makes PIN calls, billed to the code's owner", "[billing][pin]") {
  PinSetup s;
  REQUIRE(s.repo.PutExtension({"1001", "Lobby", s.account, std::nullopt, false}, "test", s.clock.Now()).ok());
  s.Feed(PinLeg("a-lobby").Create());
  s.control.ExpectScheduleHangup("a-lobby", 500, kCauseOutOfTime);
  REQUIRE(s.tracker->OnPinChecked(PinSetup::Held("a-lobby"), s.Granted()).ok());
  CHECK(s.tracker->AdmissionOf(CallId{"a-lobby"}).state == State::kAllowed);
  CHECK(s.Ana().reserved == M("0.60"));
  s.control.Verify();
}

TEST_CASE("A PIN call that reaches a far end before its code was checked is killed", "[billing][pin]") {
  PinSetup s;
  const LegScript a = PinLeg("a-nosocket");
  s.Feed(a.Create());
  // The dialplan bridged straight after the prompts, without the socket.
  s.control.ExpectKill("a-nosocket", kCauseBarred);
  s.Feed(a.Bridge(kT0us + 4 * kSecond));
  const CallTracker::Admission admission = s.tracker->AdmissionOf(CallId{"a-nosocket"});
  CHECK(admission.state == State::kDenied);
  CHECK(admission.reason == "pin_missing");
  s.control.Verify();
}

TEST_CASE("A code on a call not dialled as a PIN call changes nothing", "[billing][pin]") {
  PinSetup s;
  const LegScript a = ALeg("a-plain");
  s.control.ExpectScheduleHangup("a-plain", 100, kCauseOutOfTime);  // the office's 1.00
  s.Feed(a.Create());
  REQUIRE(s.tracker->OnPinChecked(PinSetup::Held("a-plain"), s.Granted()).ok());
  CHECK(s.tracker->AdmissionOf(CallId{"a-plain"}).state == State::kAllowed);
  CHECK(s.Acc().reserved == M("0.60"));
  CHECK(s.Ana().reserved == M("0"));
  s.control.Verify();
}
