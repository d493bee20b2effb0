#include "sim/json_cdr_writer.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "esl/json_cdr.h"
#include "esl_test_client.h"
#include "sim/simulator.h"
#include "test_support/fixtures.h"
#include "test_support/temp_dir.h"

namespace tarifador::sim {
namespace {

using test_support::ReadFile;
using test_support::TempDir;
using testing::EslTestClient;
using namespace std::chrono_literals;
using Json = nlohmann::json;

SimulatorOptions CdrOptions(const std::string& dir) {
  SimulatorOptions o;
  o.server.host = "127.0.0.1";
  o.server.port = 0;
  o.time_scale = 0.001;  // 1 simulated second = 1 ms
  o.switch_options.seed = 11;
  o.switch_options.heartbeat_s = 0;
  o.switch_options.cdr_dir = dir;
  return o;
}

CallSpec Bridged() {
  CallSpec spec;
  spec.caller = "1001";
  spec.destination = "0034911234567";
  spec.ring_s = 2;
  spec.talk_s = 7.25;
  return spec;
}

// Every file name in `dir`, hidden ones included.
std::set<std::string> FilesIn(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) out.insert(entry.path().filename().string());
  return out;
}

// Waits for `n` CHANNEL_DESTROYs; returns the HANGUP_COMPLETE events by uuid.
std::map<std::string, esl::Event> HangupCompletes(EslTestClient& c, size_t n) {
  size_t seen = 0;
  REQUIRE(c.WaitForEvent([&](const esl::Event& e) { return e.name() == "CHANNEL_DESTROY" && ++seen == n; }));
  std::map<std::string, esl::Event> out;
  for (const esl::Event& e : c.events()) {
    if (e.name() == "CHANNEL_HANGUP_COMPLETE") out.emplace(std::string(e.unique_id()), e);
  }
  return out;
}

// The keys of a JSON object, as a set.
std::set<std::string> Keys(const Json& j) {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items()) out.insert(k);
  return out;
}

// mod_json_cdr writes every scalar as a string.
void CheckAllStrings(const Json& j, const std::string& path) {
  if (j.is_object() || j.is_array()) {
    for (const auto& [k, v] : j.items()) CheckAllStrings(v, path + "/" + k);
    return;
  }
  INFO(path);
  CHECK(j.is_string());
}

// A simulator writing each leg's CDR file into a folder of its own, and a
// client subscribed to the ends of calls.
struct CdrRun {
  TempDir dir;
  Simulator sim{CdrOptions(dir.path())};
  std::unique_ptr<EslTestClient> client;
  CdrRun() {
    REQUIRE(sim.Start().ok());
    client = std::make_unique<EslTestClient>(sim.port());
    REQUIRE(client->Login());
    REQUIRE(client->Command("event plain CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY"));
  }
};

TEST_CASE("A bridged call writes one mod_json_cdr file per leg that decodes to its HANGUP_COMPLETE", "[sim][cdr]") {
  CdrRun run;
  const TempDir& dir = run.dir;
  Simulator& sim = run.sim;
  EslTestClient& c = *run.client;
  auto placed = sim.fake_switch().PlaceCall(Bridged());
  REQUIRE(placed.ok());
  const std::string a = *placed;
  const auto events = HangupCompletes(c, 2);
  REQUIRE(events.size() == 2);
  REQUIRE(events.count(a) == 1);
  std::string b;
  for (const auto& [uuid, e] : events) {
    if (uuid != a) b = uuid;
  }
  // Exactly the two documents; no temp file is left behind.
  CHECK(FilesIn(dir.path()) == std::set<std::string>{a + ".cdr.json", b + ".cdr.json"});
  const SwitchStats stats = sim.fake_switch().Stats();
  CHECK(stats.cdr_files_written == 2);
  CHECK(stats.cdr_write_errors == 0);
  CHECK(sim.SummaryJson().find("\"cdr_files_written\":2") != std::string::npos);

  for (const std::string& uuid : {a, b}) {
    INFO("leg " << uuid << (uuid == a ? " (A)" : " (B)"));
    const std::string text = ReadFile(dir.path() + "/" + uuid + ".cdr.json");
    // One unformatted line and its newline, as the err-log writer leaves it.
    REQUIRE(text.size() > 2);
    CHECK(text.front() == '{');
    CHECK(text.back() == '\n');
    CHECK(text.find('\n') == text.size() - 1);
    auto decoded = esl::DecodeJsonCdrFile(text);
    REQUIRE(decoded.ok());
    const esl::Event& cdr = *decoded;
    const esl::Event& live = events.at(uuid);
    CHECK(cdr.unique_id() == uuid);
    CHECK(cdr.headers.Get("Other-Type") == (uuid == a ? "originatee" : "originator"));
    CHECK(cdr.headers.Get("Other-Leg-Unique-ID") == (uuid == a ? b : a));
    CHECK(live.headers.Get("Other-Type") == cdr.headers.Get("Other-Type"));
    for (const char* name :
         {"variable_answer_epoch", "variable_bridge_epoch", "variable_end_epoch", "variable_start_uepoch",
          "variable_billsec", "variable_billusec", "variable_hangup_cause", "Caller-Channel-Created-Time",
          "Caller-Channel-Answered-Time", "Caller-Channel-Hangup-Time", "Caller-Channel-Bridged-Time",
          "Caller-Destination-Number", "Caller-Caller-ID-Number", "Caller-Context"}) {
      INFO(name);
      REQUIRE(live.headers.Has(name));
      CHECK(cdr.headers.Get(name) == live.headers.Get(name));
    }
    CHECK(cdr.headers.Get("variable_answer_epoch") != "0");
    CHECK(cdr.headers.Get("variable_bridge_epoch") != "0");
    // Every variable of the event, with its value, is in the document.
    size_t variables = 0;
    for (const auto& [name, value] : live.headers.items()) {
      if (name.rfind("variable_", 0) != 0) continue;
      ++variables;
      INFO(name);
      CHECK(cdr.headers.Get(name) == value);
    }
    CHECK(variables > 30);
  }
}

TEST_CASE("A PIN call's A leg document decodes to its HANGUP_COMPLETE, transfer fields included", "[sim][cdr][pin]") {
  CdrRun run;
  const TempDir& dir = run.dir;
  Simulator& sim = run.sim;
  EslTestClient& c = *run.client;
  CallSpec spec = Bridged();
  spec.pin_id = "1003";
  spec.pin = "4321";
  auto placed = sim.fake_switch().PlaceCall(spec);
  REQUIRE(placed.ok());
  const auto events = HangupCompletes(c, 2);
  REQUIRE(events.count(*placed) == 1);
  const esl::Event& live = events.at(*placed);
  auto decoded = esl::DecodeJsonCdrFile(ReadFile(dir.path() + "/" + *placed + ".cdr.json"));
  REQUIRE(decoded.ok());
  for (const char* name :
       {"Caller-Destination-Number", "Caller-RDNIS", "Caller-Profile-Index", "Caller-Profile-Created-Time",
        "Caller-Channel-Created-Time", "Caller-Channel-Answered-Time", "variable_tarifador_pin_id",
        "variable_tarifador_pin", "variable_profile_start_uepoch", "variable_start_uepoch", "variable_billsec"}) {
    INFO(name);
    REQUIRE(live.headers.Has(name));
    CHECK(decoded->headers.Get(name) == live.headers.Get(name));
  }
  CHECK(live.headers.Get("Caller-RDNIS") == "*70034911234567");
  CHECK(live.headers.Get("Caller-Profile-Index") == "2");
  CHECK(live.headers.Get("variable_profile_start_uepoch") != live.headers.Get("variable_start_uepoch"));
}

TEST_CASE("The sim's documents have the shape of the real mod_json_cdr ones", "[sim][cdr][fixtures]") {
  TARIFADOR_REQUIRE_FIXTURE(inbound_text, "cdr/somleng_freeswitch_cdr.json");
  TARIFADOR_REQUIRE_FIXTURE(b_leg_text, "cdr/somleng_freeswitch_cdr_leg_a_with_joined_by_leg_b.json");
  TARIFADOR_REQUIRE_FIXTURE(a_leg_text, "cdr/somleng_freeswitch_cdr_leg_b.json");
  const Json real_a = Json::parse(inbound_text);        // an A leg that ran the dialplan
  const Json real_b = Json::parse(b_leg_text);          // its newest profile has an originator block
  const Json real_bridged_a = Json::parse(a_leg_text);  // its newest profile has an originatee block

  CdrRun run;
  const TempDir& dir = run.dir;
  Simulator& sim = run.sim;
  EslTestClient& c = *run.client;
  CallSpec spec = Bridged();
  spec.a_uuid = "aaaaaaaa-0000-4000-8000-00000000000a";
  spec.b_uuid = "bbbbbbbb-0000-4000-8000-00000000000b";
  REQUIRE(sim.fake_switch().PlaceCall(spec).ok());
  HangupCompletes(c, 2);
  const Json a = Json::parse(ReadFile(dir.path() + "/" + spec.a_uuid + ".cdr.json"));
  const Json b = Json::parse(ReadFile(dir.path() + "/" + spec.b_uuid + ".cdr.json"));

  for (const Json* doc : {&a, &b}) {
    CheckAllStrings(*doc, "");
    for (const std::string& key : Keys(*doc)) {
      INFO("top-level key " << key);
      CHECK(real_a.contains(key));
    }
    for (const char* key : {"core-uuid", "switchname", "channel_data", "variables", "callflow"}) {
      CHECK(doc->contains(key));
    }
    CHECK(Keys(doc->at("channel_data")) == Keys(real_a["channel_data"]));
    REQUIRE(doc->at("callflow").is_array());
    REQUIRE(doc->at("callflow").size() == 1);
    const Json& flow = doc->at("callflow")[0];
    CHECK(Keys(flow["times"]) == Keys(real_a["callflow"][0]["times"]));
    Json profile = flow["caller_profile"];
    profile.erase("originator");
    profile.erase("originatee");
    CHECK(Keys(profile) == Keys(real_a["callflow"][0]["caller_profile"]));
    CHECK(doc->at("channel_data")["state"] == "CS_REPORTING");
    CHECK(doc->at("channel_data")["state_number"] == "11");
  }
  // The A leg ran the dialplan: extension and app_log as in the real A leg.
  const Json& a_flow = a["callflow"][0];
  CHECK(Keys(a_flow) == Keys(real_a["callflow"][0]));
  CHECK(Keys(a_flow["extension"]) == Keys(real_a["callflow"][0]["extension"]));
  CHECK(Keys(a["app_log"]["applications"][0]) == Keys(real_a["app_log"]["applications"][0]));
  CHECK(a["app_log"]["applications"][0]["app_name"] == "bridge");
  CHECK(a["channel_data"]["direction"] == "inbound");
  CHECK(a["variables"]["uuid"] == spec.a_uuid);
  CHECK(a["variables"]["start_stamp"].get<std::string>().find("%20") != std::string::npos);  // URL-encoded
  // Partner blocks: the same keys as the real ones.
  const Json& real_originator = real_b["callflow"][0]["caller_profile"]["originator"];
  const Json& real_originatee = real_bridged_a["callflow"][0]["caller_profile"]["originatee"];
  const Json& a_profile = a_flow["caller_profile"];
  const Json& b_profile = b["callflow"][0]["caller_profile"];
  CHECK_FALSE(a_profile.contains("originator"));
  REQUIRE(a_profile.contains("originatee"));
  CHECK(Keys(a_profile["originatee"]) == Keys(real_originatee));
  CHECK(Keys(a_profile["originatee"]["originatee_caller_profiles"][0]) ==
        Keys(real_originatee["originatee_caller_profiles"][0]));
  CHECK(a_profile["originatee"]["originatee_caller_profiles"][0]["uuid"] == spec.b_uuid);
  CHECK_FALSE(b_profile.contains("originatee"));
  REQUIRE(b_profile.contains("originator"));
  CHECK(Keys(b_profile["originator"]) == Keys(real_originator));
  CHECK(Keys(b_profile["originator"]["originator_caller_profiles"][0]) ==
        Keys(real_originator["originator_caller_profiles"][0]));
  CHECK(b_profile["originator"]["originator_caller_profiles"][0]["uuid"] == spec.a_uuid);
  // The originated leg ran no dialplan: no extension, no app_log.
  CHECK_FALSE(b["callflow"][0].contains("extension"));
  CHECK_FALSE(b.contains("app_log"));
  CHECK(b["channel_data"]["direction"] == "outbound");
  CHECK(b["variables"]["originator"] == spec.a_uuid);
  // Times are the leg's, in µs.
  const Json& bt = b["callflow"][0]["times"];
  CHECK(bt["answered_time"] == b["variables"]["answer_uepoch"]);
  CHECK(bt["hangup_time"] == b["variables"]["end_uepoch"]);
  CHECK(bt["bridged_time"] == b["variables"]["bridge_uepoch"]);
}

TEST_CASE("An unanswered call still writes both legs, and prefix-a-leg names the A leg a_<uuid>", "[sim][cdr]") {
  TempDir dir;
  SimulatorOptions o = CdrOptions(dir.path());
  o.switch_options.cdr_prefix_a_leg = true;
  Simulator sim(o);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY"));
  CallSpec spec = Bridged();
  spec.outcome = CallOutcome::kBusy;
  spec.a_uuid = "aaaaaaaa-0000-4000-8000-000000000001";
  spec.b_uuid = "bbbbbbbb-0000-4000-8000-000000000001";
  REQUIRE(sim.fake_switch().PlaceCall(spec).ok());
  HangupCompletes(c, 2);
  CHECK(FilesIn(dir.path()) ==
        std::set<std::string>{std::string("a_") + spec.a_uuid + ".cdr.json", spec.b_uuid + ".cdr.json"});
  for (const std::string& file : {std::string("a_") + spec.a_uuid + ".cdr.json", spec.b_uuid + ".cdr.json"}) {
    INFO(file);
    auto cdr = esl::DecodeJsonCdrFile(ReadFile(dir.path() + "/" + file));
    REQUIRE(cdr.ok());
    CHECK(cdr->headers.Get("variable_hangup_cause") == "USER_BUSY");
    CHECK(cdr->headers.Get("variable_answer_epoch") == "0");
    CHECK(cdr->headers.Get("variable_billsec") == "0");
  }
  // Not bridged: the A leg has no partner block, the B leg still its originator.
  auto a = esl::DecodeJsonCdrFile(ReadFile(dir.path() + "/a_" + spec.a_uuid + ".cdr.json"));
  REQUIRE(a.ok());
  CHECK_FALSE(a->headers.Has("Other-Type"));
  auto b = esl::DecodeJsonCdrFile(ReadFile(dir.path() + "/" + spec.b_uuid + ".cdr.json"));
  REQUIRE(b.ok());
  CHECK(b->headers.Get("Other-Type") == "originator");
}

TEST_CASE("A CDR directory that cannot be written is counted and the call goes on", "[sim][cdr]") {
  TempDir dir;
  Simulator sim(CdrOptions(dir.path() + "/missing"));
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY"));
  REQUIRE(sim.fake_switch().PlaceCall(Bridged()).ok());
  CHECK(HangupCompletes(c, 2).size() == 2);
  const SwitchStats stats = sim.fake_switch().Stats();
  CHECK(stats.cdr_files_written == 0);
  CHECK(stats.cdr_write_errors == 2);
  CHECK(FilesIn(dir.path()).empty());
}

TEST_CASE("WriteJsonCdrFile refuses names that would leave the directory", "[sim][cdr]") {
  TempDir dir;
  for (const std::string name : {"", "../x.cdr.json", "a/b.cdr.json", ".hidden.cdr.json"}) {
    INFO("'" << name << "'");
    const base::Status s = WriteJsonCdrFile(dir.path(), name, "{}");
    CHECK(s.code() == base::StatusCode::kInvalidArgument);
  }
  CHECK(FilesIn(dir.path()).empty());
  REQUIRE(WriteJsonCdrFile(dir.path(), "x.cdr.json", "{\"a\":\"b\"}").ok());
  CHECK(ReadFile(dir.path() + "/x.cdr.json") == "{\"a\":\"b\"}\n");
  // Rewriting replaces the whole file.
  REQUIRE(WriteJsonCdrFile(dir.path(), "x.cdr.json", "{}").ok());
  CHECK(ReadFile(dir.path() + "/x.cdr.json") == "{}\n");
  CHECK(FilesIn(dir.path()) == std::set<std::string>{"x.cdr.json"});
}

TEST_CASE("sim_fault duplicate_hangup: every HANGUP_COMPLETE comes twice, after the DESTROYs", "[sim][faults]") {
  CdrRun run;
  Simulator& sim = run.sim;
  EslTestClient& c = *run.client;
  CHECK(c.Api("sim_fault duplicate_hangup maybe").rfind("-ERR", 0) == 0);
  CHECK(c.Api("sim_fault duplicate_hangup on") == "+OK\n");
  auto placed = sim.fake_switch().PlaceCall(Bridged());
  REQUIRE(placed.ok());
  size_t completes = 0;
  REQUIRE(
      c.WaitForEvent([&](const esl::Event& e) { return e.name() == "CHANNEL_HANGUP_COMPLETE" && ++completes == 4; }));
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> sequence_by_uuid;
  for (const esl::Event& e : c.events()) {
    order.emplace_back(e.name());
    if (e.name() == "CHANNEL_HANGUP_COMPLETE") {
      sequence_by_uuid[std::string(e.unique_id())].emplace_back(e.headers.Get("Event-Sequence"));
    }
  }
  CHECK(order == std::vector<std::string>{"CHANNEL_HANGUP_COMPLETE", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY",
                                          "CHANNEL_DESTROY", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_HANGUP_COMPLETE"});
  REQUIRE(sequence_by_uuid.size() == 2);
  CHECK(sequence_by_uuid.count(*placed) == 1);
  for (const auto& [uuid, seqs] : sequence_by_uuid) {
    INFO(uuid);
    REQUIRE(seqs.size() == 2);
    CHECK(seqs[0] == seqs[1]);  // the same event, replayed
  }
  // The CDR is written once per leg.
  CHECK(sim.fake_switch().Stats().cdr_files_written == 2);

  // Off again: the next call's legs complete once each.
  CHECK(c.Api("sim_fault duplicate_hangup off") == "+OK\n");
  const size_t before = c.events().size();
  REQUIRE(sim.fake_switch().PlaceCall(Bridged()).ok());
  size_t destroys = 0;
  REQUIRE(c.WaitForEvent([&](const esl::Event& e) { return e.name() == "CHANNEL_DESTROY" && ++destroys == 4; }));
  size_t later_completes = 0;
  for (size_t i = before; i < c.events().size(); ++i) {
    later_completes += c.events()[i].name() == "CHANNEL_HANGUP_COMPLETE" ? 1 : 0;
  }
  CHECK(later_completes == 2);
}

}  // namespace
}  // namespace tarifador::sim
