#include "sim/fake_switch.h"

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "esl_test_client.h"
#include "sim/simulator.h"
#include "test_support/fixtures.h"
#include "test_support/temp_dir.h"

namespace tarifador::sim {
namespace {

using testing::EslTestClient;
using namespace std::chrono_literals;

SimulatorOptions TestOptions() {
  SimulatorOptions o;
  o.server.host = "127.0.0.1";
  o.server.port = 0;
  o.time_scale = 0.001;  // 1 simulated second = 1 ms
  o.switch_options.seed = 7;
  o.switch_options.heartbeat_s = 0;
  return o;
}

constexpr const char* kChannelEvents =
    "event plain CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HANGUP "
    "CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY";

int64_t Int(const esl::Event& e, std::string_view name) { return std::stoll(std::string(e.headers.Get(name))); }

size_t CountHeader(const esl::Event& e, std::string_view name) {
  size_t n = 0;
  for (const auto& [k, v] : e.headers.items()) n += k == name ? 1 : 0;
  return n;
}

// The events of a call: everything up to the last CHANNEL_DESTROY of its legs.
std::vector<esl::Event> WaitForCallEnd(EslTestClient& c, size_t destroys) {
  size_t seen = 0;
  c.WaitForEvent([&](const esl::Event& e) { return e.name() == "CHANNEL_DESTROY" && ++seen == destroys; });
  return c.events();
}

std::vector<std::string> Names(const std::vector<esl::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.emplace_back(e.name());
  return out;
}

TEST_CASE("A bridged call produces the documented events with consistent uuids and times", "[sim][switch]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command(kChannelEvents));
  CallSpec spec;
  spec.caller = "1001";
  spec.destination = "0034911234567";
  spec.ring_s = 2;
  spec.talk_s = 5.5;
  auto placed = sim.fake_switch().PlaceCall(spec);
  REQUIRE(placed.ok());
  const std::string a = *placed;
  const auto events = WaitForCallEnd(c, 2);
  REQUIRE(events.size() == 13);
  CHECK(Names(events) == std::vector<std::string>{"CHANNEL_CREATE", "CHANNEL_CREATE", "CHANNEL_PROGRESS",
                                                  "CHANNEL_ANSWER", "CHANNEL_ANSWER", "CHANNEL_BRIDGE",
                                                  "CHANNEL_HANGUP", "CHANNEL_HANGUP", "CHANNEL_UNBRIDGE",
                                                  "CHANNEL_HANGUP_COMPLETE", "CHANNEL_HANGUP_COMPLETE",
                                                  "CHANNEL_DESTROY", "CHANNEL_DESTROY"});
  const std::string b(events[1].unique_id());
  CHECK(events[0].unique_id() == a);
  CHECK(b != a);
  const std::vector<std::string> leg_of = {a, b, b, b, a, a, a, b, a, a, b, a, b};
  for (size_t i = 0; i < events.size(); ++i) {
    INFO(i << " " << events[i].name());
    CHECK(events[i].unique_id() == leg_of[i]);
    CHECK(events[i].headers.Get("Core-UUID") == sim.fake_switch().core_uuid());
    CHECK(events[i].headers.Get("FreeSWITCH-Hostname") == "sim-pbx");
    if (i > 0) {
      CHECK(Int(events[i], "Event-Sequence") > Int(events[i - 1], "Event-Sequence"));
      CHECK(Int(events[i], "Event-Date-Timestamp") >= Int(events[i - 1], "Event-Date-Timestamp"));
    }
  }
  // The A leg: inbound from the extension, no originator anywhere.
  const esl::Event& a_create = events[0];
  CHECK(a_create.headers.Get("Call-Direction") == "inbound");
  CHECK(a_create.headers.Get("Caller-Caller-ID-Number") == "1001");
  CHECK(a_create.headers.Get("Caller-Destination-Number") == "0034911234567");
  CHECK(a_create.headers.Get("Channel-Call-UUID") == a);
  CHECK_FALSE(a_create.headers.Has("Other-Type"));
  CHECK_FALSE(a_create.headers.Has("variable_originator"));
  // The B leg points back at A in every way a biller may look.
  const esl::Event& b_create = events[1];
  CHECK(b_create.headers.Get("Call-Direction") == "outbound");
  CHECK(b_create.headers.Get("Other-Type") == "originator");
  CHECK(b_create.headers.Get("Other-Leg-Unique-ID") == a);
  CHECK(b_create.headers.Get("variable_originator") == a);
  CHECK(b_create.headers.Get("Channel-Call-UUID") == a);
  CHECK(b_create.headers.Get("Caller-Channel-Name") == "sofia/gateway/gw1/0034911234567");
  CHECK(b_create.headers.Get("variable_sip_gateway_name") == "gw1");
  // BRIDGE on A only.
  const esl::Event& bridge = events[5];
  CHECK(bridge.headers.Get("Bridge-A-Unique-ID") == a);
  CHECK(bridge.headers.Get("Bridge-B-Unique-ID") == b);
  // CHANNEL_HANGUP: times not final yet, no billsec.
  for (int i : {6, 7}) {
    CHECK(events[i].headers.Get("Caller-Channel-Hangup-Time") == "0");
    CHECK_FALSE(events[i].headers.Has("variable_billsec"));
    CHECK_FALSE(events[i].headers.Has("variable_hangup_cause"));
    CHECK(events[i].headers.Get("Hangup-Cause") == "NORMAL_CLEARING");
    CHECK(events[i].headers.Get("Answer-State") == "hangup");
  }
  // CHANNEL_HANGUP_COMPLETE: the biller's numbers agree with the µs times.
  for (int i : {9, 10}) {
    const esl::Event& hc = events[i];
    INFO(hc.unique_id());
    CHECK(CountHeader(hc, "Hangup-Cause") == 2);
    CHECK(hc.headers.Get("Channel-State") == "CS_REPORTING");
    CHECK(hc.headers.Get("variable_hangup_cause") == "NORMAL_CLEARING");
    CHECK(hc.headers.Get("variable_hangup_cause_q850") == "16");
    const int64_t start = Int(hc, "variable_start_uepoch");
    const int64_t answer = Int(hc, "variable_answer_uepoch");
    const int64_t bridged = Int(hc, "variable_bridge_uepoch");
    const int64_t end = Int(hc, "variable_end_uepoch");
    CHECK(Int(hc, "Caller-Channel-Created-Time") == start);
    CHECK(Int(hc, "Caller-Channel-Answered-Time") == answer);
    CHECK(Int(hc, "Caller-Channel-Bridged-Time") == bridged);
    CHECK(Int(hc, "Caller-Channel-Hangup-Time") == end);
    CHECK(Int(hc, "variable_start_epoch") == start / 1'000'000);
    CHECK(Int(hc, "variable_answer_epoch") == answer / 1'000'000);
    CHECK(Int(hc, "variable_bridge_epoch") == bridged / 1'000'000);
    CHECK(Int(hc, "variable_end_epoch") == end / 1'000'000);
    CHECK(Int(hc, "variable_billusec") == end - answer);
    CHECK(Int(hc, "variable_billusec") == 5'500'000);  // talk_s exactly, in simulated time
    CHECK(Int(hc, "variable_billsec") == end / 1'000'000 - answer / 1'000'000);
    CHECK(Int(hc, "variable_duration") == end / 1'000'000 - start / 1'000'000);
    CHECK(hc.headers.Has("variable_sip_hangup_disposition"));
  }
  CHECK(events[9].headers.Get("variable_sip_hangup_disposition") == "recv_bye");
  CHECK(events[10].headers.Get("variable_sip_hangup_disposition") == "send_bye");
  CHECK(sim.fake_switch().ChannelUuids().empty());
  CHECK(c.event_errors().empty());
}

TEST_CASE("Only subscribed events are sent", "[sim][switch]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain CHANNEL_HANGUP_COMPLETE"));
  CallSpec spec;
  spec.talk_s = 1;
  REQUIRE(sim.fake_switch().PlaceCall(spec).ok());
  size_t seen = 0;
  REQUIRE(c.WaitForEvent([&](const esl::Event& e) { return e.name() == "CHANNEL_HANGUP_COMPLETE" && ++seen == 2; }));
  CHECK(c.Api("status").rfind("UP ", 0) == 0);  // flushes anything still on the way
  for (const auto& e : c.events()) CHECK(e.name() == "CHANNEL_HANGUP_COMPLETE");
  CHECK(c.events().size() == 2);
  CHECK(sim.fake_switch().Stats().events_by_name.at("CHANNEL_CREATE") == 2);
}

TEST_CASE("Failed outcomes end both legs with the right causes", "[sim][switch]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP_COMPLETE"));
  // As a real FreeSWITCH 1.10.12 ends them (../shared/fixtures/esl/
  // freeswitch-1.10.12/: outbound-busy, outbound-no-answer, caller-cancel):
  // a bridge that times out ends the caller's leg NORMAL_CLEARING with the
  // reason in originate_disposition; a caller's CANCEL ends both legs
  // ORIGINATOR_CANCEL.
  struct Case {
    CallOutcome outcome;
    const char* b_cause;
    const char* a_cause;
    const char* a_originate_disposition;  // on A's CHANNEL_HANGUP_COMPLETE
  };
  for (const Case& k :
       {Case{CallOutcome::kBusy, "USER_BUSY", "USER_BUSY", "USER_BUSY"},
        Case{CallOutcome::kNoAnswer, "NO_ANSWER", "NORMAL_CLEARING", "NO_ANSWER"},
        Case{CallOutcome::kRejected, "CALL_REJECTED", "CALL_REJECTED", "CALL_REJECTED"},
        Case{CallOutcome::kFailed, "NORMAL_TEMPORARY_FAILURE", "NORMAL_TEMPORARY_FAILURE", "NORMAL_TEMPORARY_FAILURE"},
        Case{CallOutcome::kCancel, "ORIGINATOR_CANCEL", "ORIGINATOR_CANCEL", "ORIGINATOR_CANCEL"}}) {
    INFO(CallOutcomeName(k.outcome));
    CallSpec spec;
    spec.outcome = k.outcome;
    auto a = sim.fake_switch().PlaceCall(spec);
    REQUIRE(a.ok());
    auto a_hc = c.WaitForEventNamed("CHANNEL_HANGUP_COMPLETE", *a);
    REQUIRE(a_hc);
    auto b_hc = c.WaitForEvent([&](const esl::Event& e) {
      return e.name() == "CHANNEL_HANGUP_COMPLETE" && e.headers.Get("Other-Leg-Unique-ID") == *a;
    });
    REQUIRE(b_hc);
    CHECK(b_hc->headers.Get("Hangup-Cause") == k.b_cause);
    CHECK(a_hc->headers.Get("Hangup-Cause") == k.a_cause);
    CHECK(a_hc->headers.Get("variable_originate_disposition") == k.a_originate_disposition);
    CHECK(a_hc->headers.Get("variable_billsec") == "0");
    CHECK(a_hc->headers.Get("variable_answer_uepoch") == "0");
    CHECK(b_hc->headers.Get("variable_billusec") == "0");
  }
  for (const auto& e : c.events()) CHECK(e.name() != "CHANNEL_BRIDGE");
}

TEST_CASE("IVR-answered call whose far end never answers: A has billsec, B never answered", "[sim][switch]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command(kChannelEvents));
  CallSpec spec;
  spec.early_answer = true;
  spec.ivr_s = 4;
  spec.ring_s = 10;
  spec.outcome = CallOutcome::kCancel;
  auto a = sim.fake_switch().PlaceCall(spec);
  REQUIRE(a.ok());
  const auto events = WaitForCallEnd(c, 2);
  CHECK(Names(events) == std::vector<std::string>{"CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_CREATE",
                                                  "CHANNEL_PROGRESS", "CHANNEL_HANGUP", "CHANNEL_HANGUP",
                                                  "CHANNEL_HANGUP_COMPLETE", "CHANNEL_HANGUP_COMPLETE",
                                                  "CHANNEL_DESTROY", "CHANNEL_DESTROY"});
  const esl::Event& a_hc = events[6];
  const esl::Event& b_hc = events[7];
  REQUIRE(a_hc.unique_id() == *a);
  CHECK(Int(a_hc, "variable_billusec") == 13'950'000);  // answered at 0.1 s, caller leaves at 14.05 s
  CHECK(Int(a_hc, "variable_billsec") >= 13);
  CHECK(a_hc.headers.Get("variable_bridge_uepoch") == "0");
  CHECK(b_hc.headers.Get("Hangup-Cause") == "ORIGINATOR_CANCEL");
  CHECK(b_hc.headers.Get("variable_answer_uepoch") == "0");
}

TEST_CASE("Internal and inbound calls look like FreeSWITCH's", "[sim][switch]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain CHANNEL_CREATE"));
  CallSpec internal;
  internal.kind = CallKind::kInternal;
  internal.caller = "1001";
  internal.destination = "1002";
  auto a = sim.fake_switch().PlaceCall(internal);
  REQUIRE(a.ok());
  auto b = c.WaitForEvent([&](const esl::Event& e) { return e.headers.Get("Other-Leg-Unique-ID") == *a; });
  REQUIRE(b);
  CHECK(b->headers.Get("Caller-Channel-Name") == "sofia/internal/1002@10.0.0.1");
  CHECK_FALSE(b->headers.Has("variable_sip_gateway_name"));

  CallSpec inbound;
  inbound.kind = CallKind::kInbound;
  inbound.caller = "612345678";
  inbound.destination = "1003";
  auto in_a = sim.fake_switch().PlaceCall(inbound);
  REQUIRE(in_a.ok());
  auto create = c.WaitForEventNamed("CHANNEL_CREATE", *in_a);
  REQUIRE(create);
  CHECK(create->headers.Get("Call-Direction") == "inbound");
  CHECK(create->headers.Get("Caller-Context") == "public");
  CHECK(create->headers.Get("Caller-Caller-ID-Number") == "612345678");
  CHECK(create->headers.Get("Caller-Channel-Name") == "sofia/external/612345678@203.0.113.10");
  CHECK(create->headers.Get("variable_sip_gateway_name") == "gw1");
}

TEST_CASE("Attended transfer: C is originated by B and the final bridge is C to A", "[sim][switch]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command(kChannelEvents));
  CallSpec spec;
  spec.kind = CallKind::kTransfer;
  spec.caller = "1001";
  spec.destination = "1003";
  spec.transfer_to = "1002";
  spec.talk_s = 3;
  spec.consult_s = 2;
  spec.after_transfer_s = 4;
  auto a = sim.fake_switch().PlaceCall(spec);
  REQUIRE(a.ok());
  const auto events = WaitForCallEnd(c, 3);
  std::vector<const esl::Event*> creates, bridges, completes;
  for (const auto& e : events) {
    if (e.name() == "CHANNEL_CREATE") creates.push_back(&e);
    if (e.name() == "CHANNEL_BRIDGE") bridges.push_back(&e);
    if (e.name() == "CHANNEL_HANGUP_COMPLETE") completes.push_back(&e);
  }
  REQUIRE(creates.size() == 3);
  REQUIRE(bridges.size() == 2);
  REQUIRE(completes.size() == 3);
  const std::string b(creates[1]->unique_id());
  const std::string leg_c(creates[2]->unique_id());
  CHECK(creates[1]->headers.Get("variable_originator") == *a);
  CHECK(creates[2]->headers.Get("variable_originator") == b);
  CHECK(creates[2]->headers.Get("Call-Direction") == "outbound");
  CHECK(bridges[1]->headers.Get("Bridge-A-Unique-ID") == leg_c);
  CHECK(bridges[1]->headers.Get("Bridge-B-Unique-ID") == *a);
  // B leaves first; A's leg spans the whole call.
  CHECK(completes[0]->unique_id() == b);
  const esl::Event* a_hc = completes[1]->unique_id() == *a ? completes[1] : completes[2];
  CHECK(Int(*a_hc, "variable_billusec") == 3'000'000 + 50'000 + 2'000'000 + 2'000'000 + 4'000'000);
}

TEST_CASE("uuid_kill ends both legs with the given cause", "[sim][switch]") {
  base::FakeClock clock;  // the call is bridged and stays up until the kill, however slow the machine
  Simulator sim(TestOptions(), &clock);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command(kChannelEvents));
  CallSpec spec;
  spec.talk_s = 3600;
  auto a = sim.fake_switch().PlaceCall(spec);
  REQUIRE(a.ok());
  clock.AdvanceMicros(3'000'000);
  REQUIRE(c.WaitForEventNamed("CHANNEL_BRIDGE"));
  CHECK(c.Api("uuid_kill " + *a + " OUTGOING_CALL_BARRED") == "+OK\n");
  const auto events = WaitForCallEnd(c, 2);
  size_t hangups = 0, completes = 0;
  for (const auto& e : events) {
    if (e.name() == "CHANNEL_HANGUP") {
      ++hangups;
      CHECK(e.headers.Get("Hangup-Cause") == "OUTGOING_CALL_BARRED");
    }
    if (e.name() == "CHANNEL_HANGUP_COMPLETE") {
      ++completes;
      CHECK(e.headers.Get("variable_hangup_cause") == "OUTGOING_CALL_BARRED");
      CHECK(e.headers.Get("variable_hangup_cause_q850") == "52");
    }
  }
  CHECK(hangups == 2);
  CHECK(completes == 2);
  CHECK(c.Api("uuid_kill " + *a) == "-ERR No such channel!\n");
  CHECK(c.Api("uuid_exists " + *a) == "false");
  CHECK(sim.fake_switch().Stats().calls_killed == 1);
}

TEST_CASE("uuid_kill on a ringing call cancels the far end", "[sim][switch]") {
  base::FakeClock clock;
  Simulator sim(TestOptions(), &clock);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain CHANNEL_CREATE CHANNEL_HANGUP_COMPLETE"));
  CallSpec spec;
  spec.ring_s = 30;
  auto a = sim.fake_switch().PlaceCall(spec);
  REQUIRE(a.ok());
  clock.AdvanceMicros(200'000);
  auto b = c.WaitForEvent([&](const esl::Event& e) { return e.headers.Get("Other-Leg-Unique-ID") == *a; });
  REQUIRE(b);
  CHECK(c.Api("uuid_kill " + *a + " CALL_REJECTED") == "+OK\n");
  auto b_hc = c.WaitForEventNamed("CHANNEL_HANGUP_COMPLETE", b->unique_id());
  REQUIRE(b_hc);
  CHECK(b_hc->headers.Get("Hangup-Cause") == "ORIGINATOR_CANCEL");
  auto a_hc = c.WaitForEventNamed("CHANNEL_HANGUP_COMPLETE", *a);
  REQUIRE(a_hc);
  CHECK(a_hc->headers.Get("Hangup-Cause") == "CALL_REJECTED");
}

TEST_CASE("sched_hangup +N ends the call N simulated seconds later, a bare N at once", "[sim][switch]") {
  base::FakeClock clock;
  Simulator sim(TestOptions(), &clock);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain CHANNEL_BRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE"));
  CallSpec spec;
  spec.ring_s = 1;
  spec.talk_s = 3600;
  auto a = sim.fake_switch().PlaceCall(spec);
  REQUIRE(a.ok());
  clock.AdvanceMicros(1'200'000);
  auto bridge = c.WaitForEventNamed("CHANNEL_BRIDGE");
  REQUIRE(bridge);
  const int64_t asked_at = clock.Now().micros();
  CHECK(c.Api("sched_hangup +2 " + *a) == "+OK\n");
  clock.AdvanceMicros(1'900'000);
  // Still up after 1.9 s: a round trip through the server proves the
  // scheduler had time to act on the new clock reading.
  CHECK(c.Api("uuid_exists " + *a) == "true");
  CHECK_FALSE(c.WaitForEventNamed("CHANNEL_HANGUP", *a, 50ms));
  clock.AdvanceMicros(100'000);
  auto hc = c.WaitForEventNamed("CHANNEL_HANGUP_COMPLETE", *a);
  REQUIRE(hc);
  CHECK(hc->headers.Get("Hangup-Cause") == "ALLOTTED_TIMEOUT");
  CHECK(Int(*hc, "variable_end_uepoch") == asked_at + 2'000'000);

  // The real bug (ESL-NOTES section 4): without '+' the time is read as an
  // absolute epoch from its second character, so "2" hangs up immediately.
  auto second = sim.fake_switch().PlaceCall(spec);
  REQUIRE(second.ok());
  clock.AdvanceMicros(1'200'000);
  REQUIRE(
      c.WaitForEvent([&](const esl::Event& e) { return e.name() == "CHANNEL_BRIDGE" && e.unique_id() == *second; }));
  const int64_t now = clock.Now().micros();
  CHECK(c.Api("sched_hangup 2 " + *second + " NORMAL_CLEARING") == "+OK\n");
  hc = c.WaitForEventNamed("CHANNEL_HANGUP_COMPLETE", *second);
  REQUIRE(hc);
  CHECK(hc->headers.Get("Hangup-Cause") == "NORMAL_CLEARING");
  CHECK(Int(*hc, "variable_end_uepoch") == now);
  CHECK(c.Api("sched_hangup +5 no-such-uuid") == "-ERR No such channel!\n");
}

TEST_CASE("show channels as json reflects live channels and the zero-row form", "[sim][switch]") {
  base::FakeClock clock;
  Simulator sim(TestOptions(), &clock);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  CHECK(c.Api("show channels as json") == "{\"row_count\": 0}");
  CallSpec spec;
  spec.talk_s = 60;
  // Subscribed before time moves: the bridge must not be emitted before the
  // subscription is in place (it raced and was missed now and then).
  REQUIRE(c.Command("event plain CHANNEL_BRIDGE"));
  auto a = sim.fake_switch().PlaceCall(spec);
  REQUIRE(a.ok());
  clock.AdvanceMicros(5'000'000);
  REQUIRE(c.WaitForEventNamed("CHANNEL_BRIDGE"));
  const std::string json = c.Api("show channels as json");
  CHECK(json.rfind("{\"row_count\":2,\"rows\":[{\"uuid\":\"" + *a + "\"", 0) == 0);
  for (const char* column : {"uuid",
                             "direction",
                             "created",
                             "created_epoch",
                             "name",
                             "state",
                             "cid_name",
                             "cid_num",
                             "ip_addr",
                             "dest",
                             "application",
                             "application_data",
                             "dialplan",
                             "context",
                             "read_codec",
                             "read_rate",
                             "read_bit_rate",
                             "write_codec",
                             "write_rate",
                             "write_bit_rate",
                             "secure",
                             "hostname",
                             "presence_id",
                             "presence_data",
                             "accountcode",
                             "callstate",
                             "callee_name",
                             "callee_num",
                             "callee_direction",
                             "call_uuid",
                             "sent_callee_name",
                             "sent_callee_num",
                             "initial_cid_name",
                             "initial_cid_num",
                             "initial_ip_addr",
                             "initial_dest",
                             "initial_dialplan",
                             "initial_context"}) {
    INFO(column);
    std::string key = column;
    key.insert(key.begin(), '"');
    key += "\":";
    CHECK(json.find(key) != std::string::npos);
  }
  CHECK(json.find("\"callstate\":\"ACTIVE\"") != std::string::npos);
  CHECK(c.Api("show channels count") == "\n2 total.\n");
  CHECK(c.Api("uuid_kill " + *a) == "+OK\n");
  CHECK(c.Api("show channels as json") == "{\"row_count\": 0}");
}

TEST_CASE("Stale channels: show channels still lists a destroyed channel, commands on it find none",
          "[sim][switch][faults]") {
  // Seen on a real FreeSWITCH 1.10.12 after tarifador was killed and
  // restarted: `show channels` listed two channels just destroyed, and
  // sched_hangup on them answered -ERR No such channel!.
  base::FakeClock clock;
  SimulatorOptions o = TestOptions();
  o.switch_options.stale_channels_s = 5;
  Simulator sim(o, &clock);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain CHANNEL_BRIDGE CHANNEL_DESTROY"));
  CallSpec spec;
  spec.talk_s = 60;
  auto a = sim.fake_switch().PlaceCall(spec);
  REQUIRE(a.ok());
  clock.AdvanceMicros(5'000'000);
  REQUIRE(c.WaitForEventNamed("CHANNEL_BRIDGE"));
  CHECK(c.Api("uuid_kill " + *a) == "+OK\n");
  REQUIRE(c.WaitForEventNamed("CHANNEL_DESTROY", *a));
  const std::string json = c.Api("show channels as json");
  CHECK(json.rfind("{\"row_count\":2,\"rows\":[{\"uuid\":\"" + *a + "\"", 0) == 0);
  CHECK(json.find("\"callstate\":\"ACTIVE\"") != std::string::npos);  // as it was before its hangup
  CHECK(c.Api("show channels count") == "\n2 total.\n");
  CHECK(c.Api("uuid_exists " + *a) == "false");
  CHECK(c.Api("sched_hangup +30 " + *a + " ALLOTTED_TIMEOUT") == "-ERR No such channel!\n");
  clock.AdvanceMicros(5'000'000);
  CHECK(c.Api("show channels as json") == "{\"row_count\": 0}");
}

TEST_CASE("A switch whose clock is off the box's stamps everything on its own clock", "[sim][switch]") {
  base::FakeClock clock;
  SimulatorOptions o = TestOptions();
  o.clock_offset_us = -3'600'000'000;  // an hour behind
  Simulator sim(o, &clock);
  REQUIRE(sim.Start().ok());
  CHECK(sim.clock().Now() == clock.Now());  // the box's time
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain CHANNEL_CREATE"));
  auto a = sim.fake_switch().PlaceCall(CallSpec{});
  REQUIRE(a.ok());
  auto create = c.WaitForEventNamed("CHANNEL_CREATE", *a);
  REQUIRE(create);
  CHECK(Int(*create, "Event-Date-Timestamp") == clock.Now().micros() - 3'600'000'000);
  CHECK(Int(*create, "Caller-Channel-Created-Time") == clock.Now().micros() - 3'600'000'000);
  const std::string json = c.Api("show channels as json");
  CHECK(json.find("\"created_epoch\":\"" + std::to_string(clock.Now().seconds() - 3600) + "\"") != std::string::npos);
}

TEST_CASE("Calls that end while the link is down are gone after reconnect", "[sim][switch][faults]") {
  base::FakeClock clock;
  Simulator sim(TestOptions(), &clock);
  REQUIRE(sim.Start().ok());
  CallSpec short_call;
  short_call.talk_s = 10;
  CallSpec long_call;
  long_call.talk_s = 3600;
  auto ends = sim.fake_switch().PlaceCall(short_call);
  auto stays = sim.fake_switch().PlaceCall(long_call);
  REQUIRE(ends.ok());
  REQUIRE(stays.ok());
  {
    EslTestClient c(sim.port());
    REQUIRE(c.Login());
    REQUIRE(c.Command("event plain CHANNEL_BRIDGE CHANNEL_HANGUP_COMPLETE"));
    clock.AdvanceMicros(3'000'000);
    size_t bridges = 0;
    REQUIRE(c.WaitForEvent([&](const esl::Event& e) { return e.name() == "CHANNEL_BRIDGE" && ++bridges == 2; }));
    sim.server().DropLink(std::chrono::hours(1));  // until RestoreLink() below
    CHECK(c.WaitForEof());
    // While down, the short call ends; nobody receives its HANGUP_COMPLETE.
    clock.AdvanceMicros(20'000'000);
    const auto deadline = std::chrono::steady_clock::now() + 10s;  // a generous limit, not a speed test
    while (sim.fake_switch().HasChannel(*ends) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    REQUIRE_FALSE(sim.fake_switch().HasChannel(*ends));
    for (const auto& e : c.events()) CHECK(e.name() != "CHANNEL_HANGUP_COMPLETE");
    // During the outage a new connection is closed right after accept.
    EslTestClient refused(sim.port());
    CHECK_FALSE(refused.Login());
  }
  // The test ends the outage; the next connection gets in.
  sim.server().RestoreLink();
  EslTestClient again(sim.port());
  REQUIRE(again.Login());
  const std::string json = again.Api("show channels as json");
  CHECK(json.find(*stays) != std::string::npos);
  CHECK(json.find(*ends) == std::string::npos);
  CHECK(json.rfind("{\"row_count\":2,", 0) == 0);
}

TEST_CASE("HEARTBEAT arrives every interval and stops when silenced", "[sim][switch][faults]") {
  base::FakeClock clock;
  SimulatorOptions o = TestOptions();
  o.switch_options.heartbeat_s = 20;
  Simulator sim(o, &clock);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain HEARTBEAT"));
  clock.AdvanceMicros(20'000'000);
  auto hb = c.WaitForEventNamed("HEARTBEAT");
  REQUIRE(hb);
  CHECK(hb->headers.Get("Event-Info") == "System Ready");
  CHECK(hb->headers.Has("Session-Count"));
  CHECK(hb->headers.Has("Up-Time"));
  sim.fake_switch().SetHeartbeatsEnabled(false);
  clock.AdvanceMicros(40'000'000);
  CHECK(c.Api("status").rfind("UP 0 years", 0) == 0);
  size_t beats = 0;
  CHECK_FALSE(
      c.WaitForEvent([&](const esl::Event& e) { return e.name() == "HEARTBEAT" && ++beats == 2; }, 100ms).has_value());
  CHECK(c.events().size() == 1);
}

TEST_CASE("event json sends text/event-json with raw values and duplicate Hangup-Cause keys", "[sim][switch]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event json CHANNEL_CREATE CHANNEL_HANGUP_COMPLETE"));
  CallSpec spec;
  spec.talk_s = 1;
  auto a = sim.fake_switch().PlaceCall(spec);
  REQUIRE(a.ok());
  auto hc = c.WaitForEventNamed("CHANNEL_HANGUP_COMPLETE", *a);
  REQUIRE(hc);
  CHECK(hc->headers.Get("Caller-Channel-Name") == "sofia/internal/1001@10.0.0.1");
  bool found = false;
  for (const auto& f : c.event_frames()) {
    CHECK(f.type == esl::ContentType::kEventJson);
    if (f.body.find("\"Event-Name\":\"CHANNEL_HANGUP_COMPLETE\"") == std::string::npos) continue;
    if (f.body.find("\"Unique-ID\":\"" + *a + "\"") == std::string::npos) continue;
    found = true;
    const size_t first = f.body.find("\"Hangup-Cause\":");
    REQUIRE(first != std::string::npos);
    CHECK(f.body.find("\"Hangup-Cause\":", first + 1) != std::string::npos);
    CHECK(f.body.find("@10.0.0.1") != std::string::npos);  // not URL-encoded
  }
  CHECK(found);
}

TEST_CASE("Every event the sim emits parses with esl::ParseEvent in random splits", "[sim][switch]") {
  SimulatorOptions o = TestOptions();
  o.switch_options.heartbeat_s = 1;
  // 1 simulated second = 10 ms: at 1 ms a HEARTBEAT flood (1000 a second of
  // real time) outran a client slowed by a loaded machine, and the sim
  // dropped it as stuck, BACKGROUND_JOB unsent.
  o.time_scale = 0.01;
  Simulator sim(o);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain ALL"));
  CallSpec spec;
  spec.talk_s = 2;
  spec.destination = "+34 (91) 123-45#67";  // characters that must be URL-encoded
  REQUIRE(sim.fake_switch().PlaceCall(spec).ok());
  spec.kind = CallKind::kTransfer;
  spec.destination = "1003";
  REQUIRE(sim.fake_switch().PlaceCall(spec).ok());
  spec.kind = CallKind::kOutbound;
  spec.outcome = CallOutcome::kBusy;
  REQUIRE(sim.fake_switch().PlaceCall(spec).ok());
  CHECK(c.Command("bgapi status"));
  WaitForCallEnd(c, 7);
  REQUIRE(c.WaitForEventNamed("HEARTBEAT"));
  REQUIRE(c.WaitForEventNamed("BACKGROUND_JOB"));
  CHECK(c.event_errors().empty());
  auto dest = c.WaitForEvent([](const esl::Event& e) { return e.headers.Has("Caller-Destination-Number"); });
  REQUIRE(dest);
  CHECK(dest->headers.Get("Caller-Destination-Number") == "+34 (91) 123-45#67");

  // Replay the whole byte stream in seeded random splits.
  const std::string& stream = c.raw();
  std::mt19937 rng(20261121u);
  for (int round = 0; round < 5; ++round) {
    esl::FrameParser parser;
    std::vector<esl::Event> events;
    size_t pos = 0;
    std::uniform_int_distribution<size_t> len(1, 700);
    while (pos < stream.size()) {
      const size_t n = std::min(len(rng), stream.size() - pos);
      parser.Append(std::string_view(stream).substr(pos, n));
      pos += n;
      while (true) {
        auto f = parser.Next();
        REQUIRE(f.ok());
        if (!f->has_value()) break;
        if ((*f)->type != esl::ContentType::kEventPlain) continue;
        auto ev = esl::ParseEvent(**f);
        REQUIRE(ev.ok());
        events.push_back(std::move(*ev));
      }
    }
    REQUIRE(events.size() >= c.events().size());
    for (size_t i = 0; i < c.events().size(); ++i) CHECK(events[i].headers == c.events()[i].headers);
  }
}

// Header names of one event of `name` (optionally with Other-Type) in a capture.
std::set<std::string> CaptureHeaderNames(const std::string& data, std::string_view name, bool b_leg) {
  esl::FrameParser parser;
  parser.Append(data);
  while (true) {
    auto f = parser.Next();
    if (!f.ok() || !f->has_value()) return {};
    if ((*f)->type != esl::ContentType::kEventPlain) continue;
    auto ev = esl::ParseEvent(**f);
    if (!ev.ok() || ev->name() != name) continue;
    if (b_leg != (ev->headers.Get("Other-Type") == "originator")) continue;
    std::set<std::string> names;
    for (const auto& [k, v] : ev->headers.items()) names.emplace(k);
    return names;
  }
}

TEST_CASE("The sim's channel events carry the important headers of the real capture", "[sim][switch][fixtures]") {
  TARIFADOR_REQUIRE_FIXTURE(capture, "esl/neventsocket-Example1-outbound-bridged-call.txt");
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command(kChannelEvents));
  CallSpec spec;
  spec.talk_s = 2;
  REQUIRE(sim.fake_switch().PlaceCall(spec).ok());
  WaitForCallEnd(c, 2);
  auto sim_names = [&](std::string_view name, bool b_leg) {
    for (const auto& e : c.events()) {
      if (e.name() != name || b_leg != (e.headers.Get("Other-Type") == "originator")) continue;
      std::set<std::string> names;
      for (const auto& [k, v] : e.headers.items()) names.emplace(k);
      return names;
    }
    return std::set<std::string>{};
  };
  const std::vector<std::string> important = {"Event-Name",
                                              "Core-UUID",
                                              "FreeSWITCH-Hostname",
                                              "Event-Date-Timestamp",
                                              "Event-Sequence",
                                              "Unique-ID",
                                              "Call-Direction",
                                              "Channel-Call-UUID",
                                              "Answer-State",
                                              "Channel-State",
                                              "Channel-Call-State",
                                              "Channel-Name",
                                              "Caller-Caller-ID-Number",
                                              "Caller-Destination-Number",
                                              "Caller-Channel-Created-Time",
                                              "Caller-Channel-Answered-Time",
                                              "Caller-Channel-Bridged-Time",
                                              "Caller-Channel-Hangup-Time",
                                              "Caller-Unique-ID",
                                              "Caller-Context",
                                              "variable_direction",
                                              "variable_uuid"};
  struct Which {
    const char* name;
    bool b_leg;
    std::vector<std::string> extra;
  };
  for (const Which& w :
       {Which{"CHANNEL_CREATE", true, {"Other-Type", "Other-Leg-Unique-ID", "variable_originator"}},
        Which{"CHANNEL_ANSWER", true, {"Other-Type", "Other-Leg-Unique-ID"}}, Which{"CHANNEL_ANSWER", false, {}},
        Which{"CHANNEL_BRIDGE", false, {"Bridge-A-Unique-ID", "Bridge-B-Unique-ID"}},
        Which{"CHANNEL_HANGUP", false, {"Hangup-Cause", "Other-Type"}},
        Which{"CHANNEL_HANGUP", true, {"Hangup-Cause", "Other-Leg-Unique-ID"}}}) {
    INFO(w.name << (w.b_leg ? " (B leg)" : " (A leg)"));
    const auto real = CaptureHeaderNames(capture, w.name, w.b_leg);
    const auto ours = sim_names(w.name, w.b_leg);
    REQUIRE_FALSE(real.empty());
    REQUIRE_FALSE(ours.empty());
    std::vector<std::string> wanted = important;
    wanted.insert(wanted.end(), w.extra.begin(), w.extra.end());
    for (const std::string& h : wanted) {
      INFO(h);
      CHECK(real.count(h) == 1);
      CHECK(ours.count(h) == 1);
    }
  }
}

// ---------------------------------------------------------------------------
// PIN calls (docs/SIM.md "PIN calls"), as a real FreeSWITCH 1.10.12 ran the
// documented tarifador_pin extension.

constexpr const char* kPinEvents =
    "event plain CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER CHANNEL_BRIDGE "
    "CHANNEL_UNBRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY";

CallSpec PinCall() {
  CallSpec spec;
  spec.caller = "1001";
  spec.destination = "0034911234567";
  spec.pin_id = "1003";
  spec.pin = "4321";
  spec.pin_s = 4;
  spec.ring_s = 2;
  spec.talk_s = 5;
  return spec;
}

TEST_CASE("A PIN call: prompts as early media, then the transfer to the number with the code's variables",
          "[sim][switch][pin]") {
  base::FakeClock clock;
  Simulator sim(TestOptions(), &clock);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command(kPinEvents));
  const int64_t t0 = clock.Now().micros();
  auto placed = sim.fake_switch().PlaceCall(PinCall());
  REQUIRE(placed.ok());
  const std::string a = *placed;
  auto getvar = [&](const char* name) { return c.Api("uuid_getvar " + a + " " + name); };

  // The prompts: early media on the caller's leg, which is not answered.
  clock.AdvanceMicros(20'000);
  auto media = c.WaitForEventNamed("CHANNEL_PROGRESS_MEDIA", a);
  REQUIRE(media);
  CHECK(media->headers.Get("Answer-State") == "early");
  CHECK(media->headers.Get("Caller-Destination-Number") == "*70034911234567");
  CHECK(Int(*media, "Caller-Channel-Answered-Time") == 0);
  CHECK(Int(*media, "Caller-Channel-Progress-Media-Time") == t0 + 20'000);
  CHECK_FALSE(media->headers.Has("variable_tarifador_pin_id"));
  CHECK(getvar("tarifador_pin_id") == "_undef_");
  CHECK(c.Api("show channels as json").find("\"dest\":\"*70034911234567\"") != std::string::npos);
  // The code number is in once its prompt is done; the code itself not yet.
  clock.AdvanceMicros(1'980'000);
  CHECK(getvar("tarifador_pin_id") == "1003");
  CHECK(getvar("tarifador_pin") == "_undef_");
  CHECK(sim.fake_switch().ChannelUuids().size() == 1);
  // The transfer: the real number from now on; still no far end.
  clock.AdvanceMicros(2'000'000);
  CHECK(getvar("tarifador_pin") == "4321");
  const std::string row = c.Api("show channels as json");
  CHECK(row.find("\"dest\":\"0034911234567\"") != std::string::npos);
  CHECK(row.find("\"initial_dest\":\"*70034911234567\"") != std::string::npos);
  CHECK(sim.fake_switch().ChannelUuids().size() == 1);
  // Then as any outbound call: B 0.1 s after the transfer, answered 2.05 s
  // later, 5 s of talk.
  clock.AdvanceMicros(20'000'000);
  const auto events = WaitForCallEnd(c, 2);
  REQUIRE(events.size() == 14);
  CHECK(Names(events) == std::vector<std::string>{"CHANNEL_CREATE", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_CREATE",
                                                  "CHANNEL_PROGRESS", "CHANNEL_ANSWER", "CHANNEL_ANSWER",
                                                  "CHANNEL_BRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP",
                                                  "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP_COMPLETE",
                                                  "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY", "CHANNEL_DESTROY"});
  const std::string b(events[2].unique_id());
  const esl::Event& create = events[0];
  CHECK(create.unique_id() == a);
  CHECK(create.headers.Get("Answer-State") == "ringing");
  CHECK(create.headers.Get("Caller-Destination-Number") == "*70034911234567");
  CHECK(create.headers.Get("variable_sip_req_user") == "*70034911234567");
  CHECK_FALSE(create.headers.Has("Caller-RDNIS"));
  // Every event of A after the transfer: the real number and both variables.
  size_t a_after = 0;
  for (size_t i = 2; i < events.size(); ++i) {
    const esl::Event& e = events[i];
    if (e.unique_id() != a) continue;
    ++a_after;
    INFO(i << " " << e.name());
    CHECK(e.headers.Get("Caller-Destination-Number") == "0034911234567");
    CHECK(e.headers.Get("Caller-RDNIS") == "*70034911234567");
    CHECK(e.headers.Get("Caller-Profile-Index") == "2");
    CHECK(e.headers.Get("variable_tarifador_pin_id") == "1003");
    CHECK(e.headers.Get("variable_tarifador_pin") == "4321");
  }
  CHECK(a_after == 6);  // ANSWER, BRIDGE, HANGUP, UNBRIDGE, HANGUP_COMPLETE, DESTROY
  // The far end was dialled with the real number.
  CHECK(events[2].headers.Get("Caller-Channel-Name") == "sofia/gateway/gw1/0034911234567");
  CHECK(events[2].headers.Get("Other-Leg-Destination-Number") == "0034911234567");
  const esl::Event& hc = events[10];
  REQUIRE(hc.unique_id() == a);
  // The prompts never answered A: its answer is the bridge, 4 + 0.1 + 0.05 + 2 s in.
  const int64_t bridged = t0 + 6'150'000;
  CHECK(Int(hc, "variable_start_uepoch") == t0);
  CHECK(Int(hc, "variable_progress_media_uepoch") == t0 + 20'000);
  CHECK(Int(hc, "variable_profile_start_uepoch") == t0 + 4'000'000);
  CHECK(Int(hc, "Caller-Profile-Created-Time") == t0 + 4'000'000);
  CHECK(Int(hc, "variable_answer_uepoch") == bridged);
  CHECK(Int(hc, "variable_bridge_uepoch") == bridged);
  CHECK(Int(hc, "variable_billusec") == 5'000'000);
  CHECK(Int(hc, "variable_billsec") == (bridged + 5'000'000) / 1'000'000 - bridged / 1'000'000);
  CHECK(hc.headers.Get("variable_endpoint_disposition") == "ANSWER");
  CHECK(hc.headers.Get("variable_transfer_source").find(":bl_xfer:0034911234567/default/XML") !=
        std::string_view::npos);
  CHECK(c.event_errors().empty());
}

TEST_CASE("A PIN call killed while the caller keys digits never reaches the gateway", "[sim][switch][pin]") {
  base::FakeClock clock;
  Simulator sim(TestOptions(), &clock);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command(kPinEvents));
  auto a = sim.fake_switch().PlaceCall(PinCall());
  REQUIRE(a.ok());
  clock.AdvanceMicros(1'000'000);
  REQUIRE(c.WaitForEventNamed("CHANNEL_PROGRESS_MEDIA", *a));
  CHECK(c.Api("uuid_kill " + *a) == "+OK\n");
  auto hc = c.WaitForEventNamed("CHANNEL_HANGUP_COMPLETE", *a);
  REQUIRE(hc);
  CHECK(hc->headers.Get("Caller-Destination-Number") == "*70034911234567");
  CHECK(Int(*hc, "variable_answer_epoch") == 0);
  CHECK(Int(*hc, "variable_billsec") == 0);
  clock.AdvanceMicros(20'000'000);
  CHECK(c.Api("show channels count") == "\n0 total.\n");
  CHECK(sim.fake_switch().Stats().gateway_legs == 0);
  for (const auto& e : c.events()) CHECK(e.unique_id() == *a);
}

// A simulator whose outbound calls run the dialplan's socket on a listener
// the test accepts from, and a client subscribed to the PIN calls' events.
struct PinSocketRun {
  Simulator sim;
  testing::SocketPeerListener listener;
  std::unique_ptr<EslTestClient> client;
  explicit PinSocketRun(const SimulatorOptions& options) : sim(options) {
    REQUIRE(listener.port() != 0);
    sim.UseDialplanSocket("127.0.0.1", listener.port());
    REQUIRE(sim.Start().ok());
    client = std::make_unique<EslTestClient>(sim.port());
    REQUIRE(client->Login());
    REQUIRE(client->Command(kPinEvents));
  }
};

// The test is tarifador's end of the dialplan's socket: `connect`, then
// sendmsg as the socket application; the session ends when it closes.
TEST_CASE("The dialplan socket of a PIN call sees the code; unset and set change later events and the CDR",
          "[sim][switch][pin][socket]") {
  test_support::TempDir dir;
  SimulatorOptions o = TestOptions();
  o.switch_options.cdr_dir = dir.path();
  PinSocketRun run(o);
  Simulator& sim = run.sim;
  testing::SocketPeerListener& listener = run.listener;
  EslTestClient& c = *run.client;
  auto placed = sim.fake_switch().PlaceCall(PinCall());
  REQUIRE(placed.ok());
  const std::string a = *placed;
  {
    EslTestClient peer(EslTestClient::Adopt{}, listener.Accept());
    REQUIRE(peer.connected());
    auto data = peer.Command("connect");
    REQUIRE(data);
    CHECK(data->headers.Get("Event-Name") == "CHANNEL_DATA");
    CHECK(data->headers.Get("Unique-ID") == a);
    CHECK(data->headers.Get("Caller-Destination-Number") == "0034911234567");
    CHECK(data->headers.Get("Caller-RDNIS") == "*70034911234567");
    CHECK(data->headers.Get("Answer-State") == "early");
    CHECK(data->headers.Get("variable_tarifador_pin_id") == "1003");
    CHECK(data->headers.Get("variable_tarifador_pin") == "4321");
    auto execute = [&](const std::string& app, const std::string& arg) {
      auto reply =
          peer.Command("sendmsg\ncall-command: execute\nexecute-app-name: " + app + "\nexecute-app-arg: " + arg);
      REQUIRE(reply);
      CHECK(reply->headers.Get("Reply-Text") == "+OK");
    };
    execute("unset", "tarifador_pin");
    CHECK(sim.fake_switch().ExecuteApi("uuid_getvar", a + " tarifador_pin") == "_undef_");
    CHECK(sim.fake_switch().ExecuteApi("uuid_getvar", a + " tarifador_pin_id") == "1003");
    execute("set", "tarifador_note=checked by pin");
    execute("set", "tarifador_scratch=1");
    execute("set", "tarifador_scratch");  // base_set: no value unsets
    execute("set", "tarifador_decision=allowed");
    CHECK(sim.fake_switch().ExecuteApi("uuid_getvar", a + " tarifador_scratch") == "_undef_");
  }  // the socket application closes: the gate lets the call through
  const auto events = WaitForCallEnd(c, 2);
  size_t a_events = 0;
  bool bridged = false;
  for (const esl::Event& e : events) {
    INFO(e.name() << " " << e.unique_id());
    CHECK_FALSE(e.headers.Has("variable_tarifador_pin"));
    CHECK_FALSE(e.headers.Has("variable_tarifador_scratch"));
    bridged = bridged || e.name() == "CHANNEL_BRIDGE";
    if (e.unique_id() != a || !bridged) continue;
    ++a_events;
    CHECK(e.headers.Get("Caller-Destination-Number") == "0034911234567");
    CHECK(e.headers.Get("variable_tarifador_pin_id") == "1003");
    CHECK(e.headers.Get("variable_tarifador_note") == "checked by pin");
  }
  CHECK(bridged);
  CHECK(a_events == 5);  // BRIDGE, HANGUP, UNBRIDGE, HANGUP_COMPLETE, DESTROY
  // mod_json_cdr's document: the same variables, the new profile.
  const nlohmann::json cdr = nlohmann::json::parse(test_support::ReadFile(dir.path() + "/" + a + ".cdr.json"));
  const nlohmann::json& vars = cdr.at("variables");
  CHECK_FALSE(vars.contains("tarifador_pin"));
  CHECK_FALSE(vars.contains("tarifador_scratch"));
  CHECK(vars.value("tarifador_pin_id", "") == "1003");
  CHECK(vars.value("tarifador_note", "") == "checked%20by%20pin");  // encode-values=true
  const nlohmann::json& flow = cdr.at("callflow").at(0);
  CHECK(flow.value("profile_index", "") == "2");
  CHECK(flow.at("caller_profile").value("destination_number", "") == "0034911234567");
  CHECK(flow.at("caller_profile").value("rdnis", "") == "*70034911234567");
  CHECK(flow.at("times").value("profile_created_time", "") != flow.at("times").value("created_time", ""));
}

TEST_CASE("A PIN call where nothing was keyed reaches the socket without the code's variables",
          "[sim][switch][pin][socket]") {
  PinSocketRun run(TestOptions());
  Simulator& sim = run.sim;
  testing::SocketPeerListener& listener = run.listener;
  EslTestClient& c = *run.client;
  CallSpec spec = PinCall();
  spec.pin_id.clear();
  spec.pin.clear();
  spec.pin_call = true;
  REQUIRE(IsPinCall(spec));
  auto placed = sim.fake_switch().PlaceCall(spec);
  REQUIRE(placed.ok());
  {
    EslTestClient peer(EslTestClient::Adopt{}, listener.Accept());
    REQUIRE(peer.connected());
    auto data = peer.Command("connect");
    REQUIRE(data);
    CHECK(data->headers.Get("Unique-ID") == *placed);
    CHECK(data->headers.Get("Caller-Destination-Number") == "0034911234567");
    CHECK(data->headers.Get("variable_endpoint_disposition") == "EARLY MEDIA");
    CHECK_FALSE(data->headers.Has("variable_tarifador_pin_id"));
    CHECK_FALSE(data->headers.Has("variable_tarifador_pin"));
  }  // closed without an allowed decision: the gate hangs the call up
  auto hc = c.WaitForEventNamed("CHANNEL_HANGUP_COMPLETE", *placed);
  REQUIRE(hc);
  CHECK(hc->headers.Get("Hangup-Cause") == "NORMAL_TEMPORARY_FAILURE");
  CHECK(hc->headers.Get("Caller-Destination-Number") == "0034911234567");
  CHECK_FALSE(hc->headers.Has("variable_tarifador_pin_id"));
  CHECK_FALSE(hc->headers.Has("variable_tarifador_pin"));
  CHECK(sim.fake_switch().Stats().gateway_legs == 0);
}

TEST_CASE("A call that is not a PIN call keeps its events as before", "[sim][switch][pin]") {
  CallSpec plain;
  plain.pin_s = 9;  // pin_s alone does not make a PIN call
  CHECK_FALSE(IsPinCall(plain));
  base::FakeClock clock;
  Simulator sim(TestOptions(), &clock);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command(kPinEvents));
  auto a = sim.fake_switch().PlaceCall(plain);
  REQUIRE(a.ok());
  clock.AdvanceMicros(60'000'000);
  const auto events = WaitForCallEnd(c, 2);
  CHECK(events.size() == 13);
  for (const esl::Event& e : events) {
    INFO(e.name());
    CHECK(e.name() != "CHANNEL_PROGRESS_MEDIA");
    CHECK_FALSE(e.headers.Has("Caller-RDNIS"));
    if (e.unique_id() == *a) CHECK(e.headers.Get("Caller-Profile-Index") == "1");
  }
}

TEST_CASE("PIN call specs are validated", "[sim][switch][pin]") {
  CHECK(ValidateCallSpec(PinCall()).ok());
  auto bad = [](const std::function<void(CallSpec&)>& change) {
    CallSpec s = PinCall();
    change(s);
    return ValidateCallSpec(s);
  };
  CHECK(bad([](CallSpec& s) { s.pin_s = -1; }).message().find("\"pin_s\"") != std::string::npos);
  CHECK(bad([](CallSpec& s) { s.pin_s = std::nan(""); }).code() == base::StatusCode::kInvalidArgument);
  CHECK(bad([](CallSpec& s) { s.kind = CallKind::kInternal; }).message().find("outbound") != std::string::npos);
  CHECK(bad([](CallSpec& s) { s.destination = "1002"; }).message().find("6 or more digits") != std::string::npos);
  CHECK(bad([](CallSpec& s) { s.destination = "+34911234567"; }).ok());
  CHECK(bad([](CallSpec& s) { s.pin_id = "10a3"; }).message().find("\"pin_id\"") != std::string::npos);
  CHECK(bad([](CallSpec& s) { s.pin = "123"; }).message().find("\"pin\" must be 4 to 12 digits") != std::string::npos);
  CHECK(bad([](CallSpec& s) { s.pin_prefix.clear(); }).message().find("\"pin_prefix\"") != std::string::npos);
  CHECK(bad([](CallSpec& s) { s.pin.clear(); }).ok());  // the code's prompt got nothing
  // A non-PIN call keeps accepting any destination.
  CallSpec internal;
  internal.kind = CallKind::kInternal;
  internal.destination = "1002";
  CHECK(ValidateCallSpec(internal).ok());
}

}  // namespace
}  // namespace tarifador::sim
