// The dialplan's socket (docs/FREESWITCH.md section 2): the channel data of
// a real outbound-socket session is a CHANNEL_CREATE to billing, and
// billing's admission becomes the variables and hangup the dialplan's gate
// acts on, with billing.when_down deciding what billing could not.
#include "app/dialplan_socket.h"

#include <catch2/catch.hpp>
#include <string>

#include "app/call_event_from_esl.h"
#include "esl/frame_parser.h"
#include "test_support/fixtures.h"

using namespace tarifador;
using Admission = billing::CallTracker::Admission;

namespace {

std::string VariableOf(const esl::OutboundVerdict& v, const std::string& name) {
  for (const auto& [n, value] : v.variables) {
    if (n == name) return value;
  }
  return "<unset>";
}

}  // namespace

TEST_CASE("A real outbound-socket session's channel data is the call's CHANNEL_CREATE", "[app][dialplan_socket]") {
  TARIFADOR_REQUIRE_FIXTURE(capture, "esl/neventsocket-Example1-outbound-bridged-call.txt");
  esl::FrameParser parser;
  parser.Append(capture);
  auto frame = parser.Next();
  REQUIRE(frame.ok());
  REQUIRE(frame->has_value());
  REQUIRE((*frame)->type == esl::ContentType::kCommandReply);
  const esl::Event channel{(*frame)->headers, ""};
  const std::optional<billing::CallEvent> create = app::CreateFromChannelData(channel);
  REQUIRE(create);
  CHECK(create->kind == billing::CallEventKind::kCreate);
  CHECK(create->leg.value == "78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
  CHECK(create->is_originating_leg);
  CHECK(create->caller_number == "1001");
  CHECK(create->destination == "3");
  CHECK(create->context == "default");
  CHECK(create->created_us == 1420557157855728);
  CHECK(create->event_us == 1420557157955591);
  // Live events are not channel data, and channel data is not a live event.
  CHECK_FALSE(app::CallEventFromEsl(channel));
  esl::Event other = channel;
  other.headers = esl::Headers();
  other.headers.Add("Event-Name", "CHANNEL_CREATE");
  other.headers.Add("Unique-ID", "x");
  CHECK_FALSE(app::CreateFromChannelData(other));
}

TEST_CASE("Billing's admission becomes the gate's variables and the hangup", "[app][dialplan_socket]") {
  Admission allowed;
  allowed.state = Admission::State::kAllowed;
  allowed.max_seconds = 100;
  esl::OutboundVerdict v = app::DialplanVerdict(allowed, false);
  CHECK(VariableOf(v, "tarifador_decision") == "allowed");
  CHECK(VariableOf(v, "tarifador_max_seconds") == "100");
  // The hard stop, in the call's own thread before the dialplan bridges.
  CHECK(v.applications == std::vector<std::pair<std::string, std::string>>{{"sched_hangup", "+100 ALLOTTED_TIMEOUT"}});
  CHECK(v.hangup_cause.empty());

  Admission denied;
  denied.state = Admission::State::kDenied;
  denied.reason = "insufficient_funds";
  denied.cause = billing::kCauseNoFunds;
  for (const bool allow_unchecked : {false, true}) {  // a denial is never overridden
    v = app::DialplanVerdict(denied, allow_unchecked);
    CHECK(VariableOf(v, "tarifador_decision") == "denied");
    CHECK(VariableOf(v, "tarifador_reason") == "insufficient_funds");
    CHECK(v.hangup_cause == "CALL_REJECTED");
  }

  const base::Result<Admission> timed_out = base::Unavailable("billing did not settle the call within 1500 ms");
  v = app::DialplanVerdict(timed_out, false);
  CHECK(VariableOf(v, "tarifador_decision") == "denied");
  CHECK(VariableOf(v, "tarifador_reason") == "billing_unavailable");
  CHECK(v.hangup_cause == "NORMAL_TEMPORARY_FAILURE");
  v = app::DialplanVerdict(timed_out, true);
  CHECK(VariableOf(v, "tarifador_decision") == "allowed");
  CHECK(VariableOf(v, "tarifador_reason") == "unchecked");
  CHECK(v.applications.empty());  // nothing known to stop it at
  CHECK(v.hangup_cause.empty());

  v = app::DialplanVerdict(Admission{}, false);  // not tracked (over the cap, or ended)
  CHECK(VariableOf(v, "tarifador_reason") == "not_tracked");
  CHECK(v.hangup_cause == "NORMAL_TEMPORARY_FAILURE");
}
