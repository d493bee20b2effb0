// Billing on the event streams and mod_json_cdr POSTs of a real FreeSWITCH
// 1.10.12 (../shared/fixtures/*/freeswitch-1.10.12/, described in their
// README): each capture, read off the wire format by the real parser and
// decoder, gives the CDR FreeSWITCH's own call describes; and a call's
// mod_json_cdr POSTs give the same CDR as its live events.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/call_event_from_esl.h"
#include "esl/event.h"
#include "esl/frame_parser.h"
#include "esl/json_cdr.h"
#include "test_support/fixtures.h"
#include "unit/billing/billing_fixtures.h"
#include "unit/billing/tracker_setup.h"

using namespace tarifador;
using namespace tarifador::billing;

using testing::Setup;

namespace {

// The call events of a capture, in wire order, each with the time stamp
// FreeSWITCH put on it (every event, HEARTBEATs too, tells the switch's time).
struct Stamped {
  std::optional<CallEvent> call;
  int64_t event_us = 0;
};

std::vector<Stamped> EventsOf(const std::string& capture) {
  esl::FrameParser parser;
  parser.Append(capture);
  std::vector<Stamped> out;
  while (true) {
    auto frame = parser.Next();
    REQUIRE(frame.ok());
    if (!*frame) break;
    if ((*frame)->type != esl::ContentType::kEventPlain) continue;
    auto event = esl::ParseEvent(**frame);
    REQUIRE(event.ok());
    Stamped s;
    s.call = app::CallEventFromEsl(*event);
    const std::string_view stamp = event->headers.Get("Event-Date-Timestamp");
    s.event_us = stamp.empty() ? 0 : std::stoll(std::string(stamp));
    out.push_back(std::move(s));
  }
  return out;
}

// An office like the capture's: 1001 and 1002 on a prepaid account of 1.00,
// Spain (34) at 0.60 a minute by the second.
void UseCaptureRates(Setup& s) {
  rating::RatePlan plan;
  plan.name = "retail";
  plan.rates = {testing::MakeRate("34", "0.60", "0", 1, 1)};
  auto book = rating::RateBook::Build({plan});
  REQUIRE(book.ok());
  s.rates.Publish(*book);
}

void Replay(Setup& s, const std::string& capture) {
  for (const Stamped& e : EventsOf(capture)) {
    s.switch_clock.Observe(e.event_us);
    if (e.call) s.Feed(*e.call);
  }
}

Cdr Backfill(Setup& s, const std::string& body) {
  auto event = esl::DecodeJsonCdrPost(body, "application/json");
  REQUIRE(event.ok());
  std::optional<CallEvent> call = app::CallEventFromEsl(*event);
  REQUIRE(call);
  REQUIRE(s.tracker->OnEventAndWait(*call).ok());
  auto cdr = s.repo.GetCdr(call->leg);
  REQUIRE(cdr.ok());
  return *cdr;
}

struct Expected {
  const char* capture;
  const char* a_leg;
  Direction direction;
  Disposition disposition;
  const char* hangup_cause;
  int64_t billsec;
  const char* cost;
  bool scheduled;  // an outbound call tarifador admitted: hard stop handed to the switch
};

}  // namespace

TEST_CASE("Each real FreeSWITCH 1.10.12 capture is billed as the call went", "[app][fixtures][freeswitch]") {
  const Expected cases[] = {
      {"outbound-bridged", "17f5072a", Direction::kOutbound, Disposition::kAnswered, "NORMAL_CLEARING", 5, "0.05",
       true},
      // The caller's leg ends NORMAL_CLEARING; why is in originate_disposition.
      {"outbound-no-answer", "d5d409d6", Direction::kOutbound, Disposition::kNoAnswer, "NORMAL_CLEARING", 0, "0", true},
      {"outbound-busy", "ae641598", Direction::kOutbound, Disposition::kBusy, "USER_BUSY", 0, "0", true},
      {"caller-cancel", "51bfcee0", Direction::kOutbound, Disposition::kNoAnswer, "ORIGINATOR_CANCEL", 0, "0", true},
      {"internal", "8f6eed80", Direction::kInternal, Disposition::kAnswered, "NORMAL_CLEARING", 5, "0", false},
      {"inbound-did", "e7e0e4b6", Direction::kInbound, Disposition::kAnswered, "NORMAL_CLEARING", 5, "0", false},
      // Killed by the capture's client before the bridge; the carrier had answered the B leg.
      {"uuid-kill-race", "83df9a19-75b1-43fc-aa2b-8e7224a9db24", Direction::kOutbound, Disposition::kFailed,
       "CALL_REJECTED", 0, "0", true},
  };
  for (const Expected& want : cases) {
    INFO(want.capture);
    TARIFADOR_REQUIRE_FIXTURE(capture, std::string("esl/freeswitch-1.10.12/") + want.capture + ".txt");
    Setup s;
    UseCaptureRates(s);
    // The A leg's full uuid: the one originating leg's CREATE.
    std::string a_leg;
    for (const Stamped& e : EventsOf(capture)) {
      if (e.call && e.call->kind == CallEventKind::kCreate && e.call->is_originating_leg) {
        a_leg = e.call->leg.value;
        break;
      }
    }
    REQUIRE(a_leg.rfind(want.a_leg, 0) == 0);
    if (want.scheduled) s.control.ExpectScheduleHangup(a_leg, 100, kCauseOutOfTime);
    Replay(s, capture);
    CHECK(s.tracker->active_call_count() == 0);
    CHECK(s.repo.cdr_count() == 1);  // one CDR a call, on its originating leg
    const Cdr cdr = s.CdrOf(a_leg);
    CHECK(cdr.direction == want.direction);
    CHECK(DispositionName(cdr.disposition) == std::string(DispositionName(want.disposition)));
    CHECK(cdr.hangup_cause == want.hangup_cause);
    CHECK(cdr.billsec == want.billsec);
    CHECK(cdr.cost == testing::M(want.cost));
    CHECK(cdr.linked.size() == 1);  // its B leg
    CHECK(s.Acc().reserved == testing::M("0"));
    CHECK(s.Acc().balance == testing::M("1.00") - testing::M(want.cost));
    CHECK(s.repo.Consistent());
    s.control.Verify();
  }
}

TEST_CASE("A call's mod_json_cdr POSTs give the CDR its live events give", "[app][fixtures][freeswitch]") {
  for (const char* name : {"outbound-bridged", "outbound-no-answer"}) {
    INFO(name);
    const std::string dir = "cdr/freeswitch-1.10.12/";
    TARIFADOR_REQUIRE_FIXTURE(capture, std::string("esl/freeswitch-1.10.12/") + name + ".txt");
    TARIFADOR_REQUIRE_FIXTURE(a_post, dir + name + ".a-leg.json");
    TARIFADOR_REQUIRE_FIXTURE(b_post, dir + name + ".b-leg.json");

    Setup live;
    UseCaptureRates(live);
    live.control.ExpectScheduleHangup(
        [&] {
          for (const Stamped& e : EventsOf(capture)) {
            if (e.call && e.call->kind == CallEventKind::kCreate && e.call->is_originating_leg)
              return e.call->leg.value;
          }
          return std::string();
        }(),
        100, kCauseOutOfTime);
    Replay(live, capture);

    Setup posted;  // tarifador saw nothing live: only the POSTs, B leg first as FreeSWITCH sent them
    UseCaptureRates(posted);
    {
      auto event = esl::DecodeJsonCdrPost(b_post, "application/json");
      REQUIRE(event.ok());
      auto call = app::CallEventFromEsl(*event);
      REQUIRE(call);
      CHECK_FALSE(call->is_originating_leg);
      REQUIRE(posted.tracker->OnEventAndWait(*call).ok());
    }
    CHECK(posted.repo.cdr_count() == 0);  // a B leg is never billed
    Cdr from_post = Backfill(posted, a_post);
    const Cdr from_live = live.CdrOf(from_post.uuid.value);
    // The live path also saw the B leg's uuid; the A leg's POST names it too
    // (bridge_uuid) only when the bridge happened.
    CHECK(from_post.linked.size() <= from_live.linked.size());
    from_post.linked = from_live.linked;
    CHECK(from_post == from_live);
    CHECK(posted.Acc().balance == live.Acc().balance);
    live.control.Verify();
    posted.control.Verify();
  }
}
