#include "billing/call_tracker.h"

#include <catch2/catch.hpp>

#include "billing/ledger.h"
#include "unit/billing/billing_fixtures.h"
#include "unit/billing/fake_repository.h"
#include "unit/billing/strict_call_control.h"
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

TEST_CASE("An outbound call is authorized, reserved and billed at HANGUP_COMPLETE", "[billing][tracker]") {
  Setup s;
  LegScript a = ALeg("a-1");
  LegScript b = BLeg(a, "b-1");
  b.destination = "442079460958";
  s.control.ExpectScheduleHangup("a-1", 100, kCauseOutOfTime);  // 1.00 at 0.01/s
  s.Feed(a.Create());
  CHECK(s.Acc().reserved == M("0.60"));  // the first 60 s interval
  CHECK(s.tracker->active_call_count() == 1);

  s.Feed(b.Create());
  const int64_t connected = kT0us + 5'500'000;
  s.Feed(b.Answer(connected));
  s.Feed(a.Answer(connected));
  s.Feed(a.Bridge(connected));
  const int64_t ended = connected + 42'300'000;
  s.Feed(a.HangupComplete(connected, connected, ended));
  s.Feed(b.HangupComplete(connected, connected, ended));

  const Cdr cdr = s.CdrOf("a-1");
  CHECK(cdr.direction == Direction::kOutbound);
  CHECK(cdr.disposition == Disposition::kAnswered);
  CHECK(cdr.billsec == 42);  // epochs: end 47 - answer 5
  CHECK(cdr.billusec == 42'300'000);
  CHECK(cdr.billable_seconds == 42);
  CHECK(cdr.cost == M("0.42"));
  CHECK(cdr.charged == M("0.42"));
  CHECK(cdr.linked == std::vector<std::string>{"b-1"});
  CHECK(cdr.site_id == "site-a");
  CHECK(cdr.caller == "1001");
  CHECK(cdr.caller_name == "Caller 1001");
  CHECK(cdr.account_id == s.account);
  CHECK(cdr.prefix == "44");
  CHECK(cdr.zone == "Zone 44");
  CHECK(cdr.rate_plan == "retail");
  CHECK(cdr.normalised == "442079460958");
  CHECK(cdr.price_per_minute == M("0.60"));
  CHECK(cdr.start_us == kT0us);
  CHECK(cdr.answer_us == connected);
  CHECK(cdr.end_us == ended);
  CHECK(cdr.duration_s == 47);
  CHECK(cdr.hangup_cause == "NORMAL_CLEARING");
  CHECK(s.Acc().balance == M("0.58"));
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.repo.cdr_count() == 1);
  CHECK(s.repo.Consistent());
  CHECK(s.tracker->active_call_count() == 0);
  s.control.Verify();
}

TEST_CASE("A duplicated HANGUP_COMPLETE is billed once", "[billing][tracker]") {
  Setup s;
  LegScript a = ALeg("a-dup");
  s.control.ExpectScheduleHangup("a-dup", 100, kCauseOutOfTime);
  s.Feed(a.Create());
  const int64_t c = kT0us + 2 * kSecond;
  const CallEvent done = a.HangupComplete(c, c, c + 30 * kSecond);
  s.Feed(done);
  s.Feed(done);  // duplicate while... the state is gone: billed through the "late" path, refused by the store
  s.Feed(done);
  CHECK(s.repo.cdr_count() == 1);
  CHECK(s.repo.ledger_size() == 2);  // the recharge and one charge
  CHECK(s.Acc().balance == M("0.70"));
  CHECK(s.tracker->unbilled_count() == 0);
  s.control.Verify();
}

TEST_CASE("B-leg events are linked, never billed", "[billing][tracker]") {
  Setup s;
  LegScript a = ALeg("a-2");
  LegScript b = BLeg(a, "b-2");
  // Only B-leg events, including its HANGUP_COMPLETE before A's.
  s.control.ExpectScheduleHangup("a-2", 100, kCauseOutOfTime);
  s.Feed(a.Create());
  s.Feed(b.Create());
  const int64_t c = kT0us + 3 * kSecond;
  s.Feed(b.Answer(c));
  s.Feed(b.Bridge(c));
  s.Feed(b.HangupComplete(c, c, c + 10 * kSecond));
  CHECK(s.repo.cdr_count() == 0);
  // A B leg of a call we never saw is ignored too.
  LegScript orphan = BLeg(ALeg("a-unknown"), "b-orphan");
  s.Feed(orphan.HangupComplete(c, c, c + 10 * kSecond));
  CHECK(s.repo.cdr_count() == 0);
  CHECK(s.repo.ledger_size() == 1);
  // A's HANGUP_COMPLETE bills, with the bridge time B reported.
  CallEvent done = a.HangupComplete(c, 0, c + 10 * kSecond);
  done.epochs.bridge_epoch_s = c / kSecond;
  s.Feed(done);
  CHECK(s.repo.cdr_count() == 1);
  CHECK(s.CdrOf("a-2").cost == M("0.10"));
  CHECK(s.CdrOf("a-2").bridge_us == c);
  s.control.Verify();
}

TEST_CASE("IVR answered but the far end never answered costs 0", "[billing][tracker]") {
  Setup s;
  LegScript a = ALeg("a-ivr");
  s.control.ExpectScheduleHangup("a-ivr", 100, kCauseOutOfTime);
  s.Feed(a.Create());
  const int64_t answered = kT0us + kSecond;
  s.Feed(a.Answer(answered));  // the dialplan answered (IVR); no bridge ever
  s.Feed(a.HangupComplete(answered, 0, answered + 60 * kSecond, "ORIGINATOR_CANCEL"));
  const Cdr cdr = s.CdrOf("a-ivr");
  CHECK(cdr.billsec == 0);
  CHECK(cdr.cost == M("0"));
  CHECK(cdr.charged == M("0"));
  CHECK(cdr.disposition == Disposition::kNoAnswer);
  CHECK(s.Acc().balance == M("1.00"));
  CHECK(s.Acc().reserved == M("0"));
  s.control.Verify();
}

TEST_CASE("IVR time before the bridge is not billed", "[billing][tracker]") {
  Setup s;
  LegScript a = ALeg("a-ivr2");
  s.control.ExpectScheduleHangup("a-ivr2", 100, kCauseOutOfTime);
  s.Feed(a.Create());
  const int64_t answered = kT0us + kSecond;
  const int64_t bridged = answered + 20 * kSecond;
  s.Feed(a.HangupComplete(answered, bridged, bridged + 15 * kSecond));
  CHECK(s.CdrOf("a-ivr2").billsec == 15);
  CHECK(s.CdrOf("a-ivr2").cost == M("0.15"));
  s.control.Verify();
}

TEST_CASE("Internal and inbound calls cost nothing and are never killed", "[billing][tracker]") {
  Setup s;
  LegScript internal = ALeg("a-int", "1002");
  s.Feed(internal.Create());
  const int64_t c = kT0us + kSecond;
  s.Feed(internal.HangupComplete(c, c, c + 300 * kSecond));
  CHECK(s.CdrOf("a-int").direction == Direction::kInternal);
  CHECK(s.CdrOf("a-int").billsec == 300);
  CHECK(s.CdrOf("a-int").cost == M("0"));

  LegScript inbound = ALeg("a-in", "1001");
  inbound.caller = "442079460958";
  inbound.context = "public";
  s.Feed(inbound.Create());
  s.Feed(inbound.HangupComplete(c, c, c + 60 * kSecond));
  CHECK(s.CdrOf("a-in").direction == Direction::kInbound);
  CHECK(s.CdrOf("a-in").cost == M("0"));
  CHECK(s.CdrOf("a-in").account_id == s.account);

  // An outside caller reaching an extension from another context is inbound too.
  LegScript outside = ALeg("a-in2", "1002");
  outside.caller = "447700900123";
  s.Feed(outside.Create());
  s.Feed(outside.HangupComplete(c, c, c + 60 * kSecond));
  CHECK(s.CdrOf("a-in2").direction == Direction::kInbound);
  CHECK(s.Acc().balance == M("1.00"));
  CHECK(s.control.sent() == 0);
}

TEST_CASE("Denied calls are killed with a clear cause and recorded as denied", "[billing][tracker]") {
  Setup s;
  LegScript unknown = ALeg("a-unk");
  unknown.caller = "9999";
  s.control.ExpectKill("a-unk", kCauseBarred);
  s.Feed(unknown.Create());
  s.Feed(unknown.HangupComplete(0, 0, kT0us + kSecond, "OUTGOING_CALL_BARRED"));
  Cdr cdr = s.CdrOf("a-unk");
  CHECK(cdr.disposition == Disposition::kDenied);
  CHECK(cdr.deny_reason == "unknown_extension");
  CHECK(cdr.cost == M("0"));

  LegScript blocked = ALeg("a-blk", "449001234");
  s.control.ExpectKill("a-blk", kCauseBarred);
  s.Feed(blocked.Create());
  LegScript unrated = ALeg("a-nr", "33123456789");
  s.control.ExpectKill("a-nr", kCauseNoRoute);
  s.Feed(unrated.Create());
  LegScript dear = ALeg("a-dear", "447700900123");  // 1.25 for the first minute
  s.control.ExpectKill("a-dear", kCauseNoFunds);
  s.Feed(dear.Create());
  s.Feed(dear.HangupComplete(0, 0, kT0us + kSecond, "CALL_REJECTED"));
  CHECK(s.CdrOf("a-dear").deny_reason == "insufficient_funds");
  CHECK(s.Acc().reserved == M("0"));
  s.control.Verify();
}

TEST_CASE("A store failure at authorization fails closed", "[billing][tracker]") {
  Setup s;
  s.repo.set_fail_reads(true);
  s.control.ExpectKill("a-down", kCauseStoreDown);
  CHECK(s.tracker->OnEvent(ALeg("a-down").Create()).code() == base::StatusCode::kUnavailable);
  s.control.Verify();
}

TEST_CASE("Reservations are extended before they run out", "[billing][tracker]") {
  Setup s("5.00");
  LegScript a = ALeg("a-long");
  s.control.ExpectScheduleHangup("a-long", 500, kCauseOutOfTime);
  s.Feed(a.Create());
  const int64_t c = kT0us + 2 * kSecond;
  s.Feed(a.Answer(c));
  s.Feed(a.Bridge(c));
  s.clock.Set(base::Instant::FromMicros(c + 49 * kSecond));
  REQUIRE(s.tracker->Tick().ok());
  CHECK(s.Acc().reserved == M("0.60"));  // 11 s left: not yet
  s.clock.Set(base::Instant::FromMicros(c + 50 * kSecond));
  REQUIRE(s.tracker->Tick().ok());
  CHECK(s.Acc().reserved == M("1.20"));
  CHECK(s.repo.GetReservation(CallId{"a-long"})->covered_s == 120);
  const auto active = s.tracker->ActiveCalls();
  REQUIRE(active.size() == 1);
  CHECK(active[0].connected_us == c);
  CHECK(active[0].covered_s == 120);
  s.control.Verify();
}

TEST_CASE("A call its account cannot pay further is hung up where the money ends", "[billing][tracker]") {
  Setup s;
  LegScript a = ALeg("a-cut");
  s.control.ExpectScheduleHangup("a-cut", 100, kCauseOutOfTime);
  s.Feed(a.Create());
  CHECK(s.Acc().reserved == M("0.60"));
  // Meanwhile the money goes elsewhere: 0.10 is left beside the reservation.
  Ledger ledger(s.repo, s.clock);
  REQUIRE(ledger.Adjust(s.account, M("-0.30"), "test", "spent elsewhere").ok());
  const int64_t c = kT0us + 2 * kSecond;
  s.Feed(a.Answer(c));
  s.Feed(a.Bridge(c));
  s.clock.Set(base::Instant::FromMicros(c + 50 * kSecond));
  // 60 s + 0.10 more = 70 s paid; the hangup goes at connected + 70 s.
  s.control.ExpectScheduleHangup("a-cut", 20, kCauseOutOfTime);
  REQUIRE(s.tracker->Tick().ok());
  CHECK(s.Acc().reserved == M("0.70"));
  CHECK(AvailableMoney(s.Acc()) == M("0"));
  s.clock.Set(base::Instant::FromMicros(c + 55 * kSecond));
  REQUIRE(s.tracker->Tick().ok());  // already cut: nothing more sent
  CHECK(s.tracker->ActiveCalls().at(0).cut_off);

  s.Feed(a.HangupComplete(c, c, c + 70 * kSecond, std::string(kCauseOutOfTime)));
  const Cdr cdr = s.CdrOf("a-cut");
  CHECK(cdr.disposition == Disposition::kCutOffNoFunds);
  CHECK(cdr.billsec == 70);
  CHECK(cdr.cost == M("0.70"));
  CHECK(cdr.charged == M("0.70"));
  CHECK(s.Acc().balance == M("0"));
  CHECK(s.repo.Consistent());
  s.control.Verify();
}

TEST_CASE("A call with nothing left to extend is killed at once", "[billing][tracker]") {
  Setup s;
  LegScript a = ALeg("a-kill");
  s.control.ExpectScheduleHangup("a-kill", 100, kCauseOutOfTime);
  s.Feed(a.Create());
  Ledger ledger(s.repo, s.clock);
  REQUIRE(ledger.Adjust(s.account, M("-0.40"), "test", "").ok());
  const int64_t c = kT0us + 2 * kSecond;
  s.Feed(a.Answer(c));
  s.Feed(a.Bridge(c));
  s.clock.Set(base::Instant::FromMicros(c + 60 * kSecond));
  s.control.ExpectKill("a-kill", kCauseOutOfTime);
  REQUIRE(s.tracker->Tick().ok());
  s.control.Verify();
}

TEST_CASE("A call seen only at its HANGUP_COMPLETE is still billed", "[billing][tracker]") {
  Setup s;
  LegScript a = ALeg("a-late");
  const int64_t c = kT0us + 2 * kSecond;
  s.Feed(a.HangupComplete(c, c, c + 42 * kSecond));
  const Cdr cdr = s.CdrOf("a-late");
  CHECK(cdr.cost == M("0.42"));
  CHECK(cdr.direction == Direction::kOutbound);
  CHECK(s.Acc().balance == M("0.58"));
  // More than the account holds: charged down to zero, the rest recorded.
  LegScript b = ALeg("a-late2");
  s.Feed(b.HangupComplete(c, c, c + 100 * kSecond));
  CHECK(s.CdrOf("a-late2").cost == M("1.00"));
  CHECK(s.CdrOf("a-late2").charged == M("0.58"));
  CHECK(s.Acc().balance == M("0"));
  CHECK(s.control.sent() == 0);
}

TEST_CASE("A call seen only at its end, whose extension cannot be read, is billed when the store is back",
          "[billing][tracker]") {
  Setup s;
  LegScript a = ALeg("a-unread");
  const int64_t c = kT0us + 2 * kSecond;
  s.repo.set_fail_reads(true);
  CHECK_FALSE(s.tracker->OnEvent(a.HangupComplete(c, c, c + 30 * kSecond)).ok());
  CHECK(s.tracker->unbilled_count() == 1);
  CHECK_FALSE(s.tracker->Tick().ok());  // still down: kept
  CHECK(s.tracker->unbilled_count() == 1);
  s.repo.set_fail_reads(false);
  REQUIRE(s.tracker->Tick().ok());
  CHECK(s.tracker->unbilled_count() == 0);
  CHECK(s.CdrOf("a-unread").cost == M("0.30"));
  CHECK(s.Acc().balance == M("0.70"));
  CHECK(s.control.sent() == 0);
}
