#include "sim/scenario.h"

#include <catch2/catch.hpp>

#include "esl_test_client.h"
#include "sim/simulator.h"

namespace tarifador::sim {
namespace {

TEST_CASE("JSON-lines scenarios parse, with comments and blank lines skipped", "[sim][scenario]") {
  auto calls = ParseScenario(
      "# two calls\n"
      "{\"at\": 0, \"caller\": \"1001\", \"destination\": \"0034911234567\", \"talk\": 42, \"ring\": 3}\n"
      "\n"
      "// an IVR call that nobody answers\n"
      "{\"at\": 1.5, \"kind\": \"internal\", \"destination\": \"1002\", \"outcome\": \"no_answer\", "
      "\"early_answer\": true, \"a_uuid\": \"aaaaaaaa-0000-4000-8000-000000000001\"}\n");
  REQUIRE(calls.ok());
  REQUIRE(calls->size() == 2);
  CHECK((*calls)[0].spec.talk_s == 42);
  CHECK((*calls)[0].spec.ring_s == 3);
  CHECK((*calls)[1].at_s == 1.5);
  CHECK((*calls)[1].spec.kind == CallKind::kInternal);
  CHECK((*calls)[1].spec.outcome == CallOutcome::kNoAnswer);
  CHECK((*calls)[1].spec.early_answer);
  CHECK((*calls)[1].spec.a_uuid == "aaaaaaaa-0000-4000-8000-000000000001");
}

TEST_CASE("Document scenarios parse as an array or under calls", "[sim][scenario]") {
  auto doc = ParseScenario(R"({"calls": [{"outcome": "busy"}, {"kind": "transfer", "transfer_to": "1004"}]})");
  REQUIRE(doc.ok());
  REQUIRE(doc->size() == 2);
  CHECK((*doc)[0].spec.outcome == CallOutcome::kBusy);
  CHECK((*doc)[1].spec.transfer_to == "1004");
  auto array = ParseScenario(R"([{"hangup_by": "callee", "cause": "CALL_REJECTED"}])");
  REQUIRE(array.ok());
  CHECK((*array)[0].spec.hangup_by == HangupBy::kCallee);
}

TEST_CASE("Scenario errors are all reported and nothing is returned", "[sim][scenario]") {
  auto bad = ParseScenario(
      "{\"talk\": \"long\"}\n"
      "{\"caller\": \"1001\"}\n"
      "not json\n"
      "{\"outcome\": \"maybe\", \"colour\": \"red\"}\n");
  REQUIRE_FALSE(bad.ok());
  const std::string m = bad.status().message();
  CHECK(m.find("line 1: \"talk\" must be a number of seconds") != std::string::npos);
  CHECK(m.find("line 2") == std::string::npos);
  CHECK(m.find("line 3: not valid JSON") != std::string::npos);
  CHECK(m.find("\"outcome\" must be") != std::string::npos);
  CHECK(m.find("unknown key \"colour\"") != std::string::npos);
  CHECK_FALSE(ParseScenario("").ok());
  CHECK_FALSE(ParseScenario(R"({"ring": -1})").ok());
}

TEST_CASE("Scenarios place PIN calls with the code keyed, or with nothing keyed", "[sim][scenario][pin]") {
  auto calls = ParseScenario(
      "{\"caller\": \"1001\", \"destination\": \"0034911234567\", \"pin_id\": \"1003\", \"pin\": \"4321\", "
      "\"talk\": 5}\n"
      "{\"pin_call\": true, \"pin_s\": 7.5, \"pin_prefix\": \"*8\"}\n"
      "{\"pin_s\": 2}\n");
  REQUIRE(calls.ok());
  REQUIRE(calls->size() == 3);
  const CallSpec& keyed = (*calls)[0].spec;
  CHECK(IsPinCall(keyed));
  CHECK(keyed.pin_id == "1003");
  CHECK(keyed.pin == "4321");
  CHECK(keyed.pin_s == 4.0);
  CHECK(keyed.pin_prefix == "*7");
  CHECK(keyed.talk_s == 5);
  const CallSpec& nothing = (*calls)[1].spec;
  CHECK(IsPinCall(nothing));
  CHECK(nothing.pin_id.empty());
  CHECK(nothing.pin.empty());
  CHECK(nothing.pin_s == 7.5);
  CHECK(nothing.pin_prefix == "*8");
  CHECK_FALSE(IsPinCall((*calls)[2].spec));  // pin_s alone is not a PIN call

  auto bad = ParseScenario(
      "{\"pin_call\": false, \"pin\": \"4321\"}\n"
      "{\"pin_id\": 1003}\n"
      "{\"pin\": \"12\"}\n"
      "{\"pin_id\": \"1003\", \"kind\": \"internal\", \"destination\": \"1002\"}\n"
      "{\"pin_call\": \"yes\", \"pin_s\": -1}\n"
      "{\"pin_call\": true, \"pin_prefix\": \"\"}\n");
  REQUIRE_FALSE(bad.ok());
  const std::string m = bad.status().message();
  CHECK(m.find("line 1: \"pin_call\" is false but \"pin_id\" or \"pin\" is given") != std::string::npos);
  CHECK(m.find("line 2: \"pin_id\" must be a string") != std::string::npos);
  CHECK(m.find("line 3: call: \"pin\" must be 4 to 12 digits") != std::string::npos);
  CHECK(m.find("line 4: call: a PIN call must be \"outbound\"") != std::string::npos);
  CHECK(m.find("line 5: \"pin_call\" must be true or false") != std::string::npos);
  CHECK(m.find("line 6: call: \"pin_prefix\" is empty") != std::string::npos);
  CHECK_FALSE(ParseScenario(R"({"pin_call": true, "pin_s": -1})").ok());
}

TEST_CASE("A played scenario places its calls with the scripted uuids", "[sim][scenario]") {
  SimulatorOptions o;
  o.server.port = 0;
  o.time_scale = 0.001;
  o.switch_options.heartbeat_s = 0;
  Simulator sim(o);
  REQUIRE(sim.Start().ok());
  testing::EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain CHANNEL_HANGUP_COMPLETE"));
  auto calls = ParseScenario(
      "{\"at\": 0.5, \"talk\": 1, \"a_uuid\": \"aaaaaaaa-0000-4000-8000-000000000001\", "
      "\"b_uuid\": \"bbbbbbbb-0000-4000-8000-000000000001\"}\n"
      "{\"at\": 1, \"outcome\": \"rejected\", \"a_uuid\": \"aaaaaaaa-0000-4000-8000-000000000002\"}\n");
  REQUIRE(calls.ok());
  REQUIRE(sim.PlayScenario(*calls).ok());
  auto b = c.WaitForEventNamed("CHANNEL_HANGUP_COMPLETE", "bbbbbbbb-0000-4000-8000-000000000001");
  REQUIRE(b);
  CHECK(b->headers.Get("variable_originator") == "aaaaaaaa-0000-4000-8000-000000000001");
  auto rejected = c.WaitForEventNamed("CHANNEL_HANGUP_COMPLETE", "aaaaaaaa-0000-4000-8000-000000000002");
  REQUIRE(rejected);
  CHECK(rejected->headers.Get("Hangup-Cause") == "CALL_REJECTED");
}

}  // namespace
}  // namespace tarifador::sim
