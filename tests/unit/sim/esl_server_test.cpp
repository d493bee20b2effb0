#include "sim/esl_server.h"

#include <catch2/catch.hpp>

#include "esl_test_client.h"
#include "sim/simulator.h"

namespace tarifador::sim {
namespace {

using testing::EslTestClient;
using namespace std::chrono_literals;

SimulatorOptions TestOptions() {
  SimulatorOptions o;
  o.server.host = "127.0.0.1";
  o.server.port = 0;
  o.time_scale = 0.001;
  o.switch_options.seed = 42;
  o.switch_options.heartbeat_s = 0;
  return o;
}

const std::string kNotice =
    "Content-Type: text/disconnect-notice\nContent-Length: 67\n\n"
    "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

TEST_CASE("Auth exchange is byte-exact and the right password is accepted", "[sim][server]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.connected());
  CHECK(c.ReadBytes(28) == "Content-Type: auth/request\n\n");
  c.Send("auth ClueCon\n\n");
  const std::string ok = "Content-Type: command/reply\nReply-Text: +OK accepted\n\n";
  CHECK(c.ReadBytes(ok.size()) == ok);
  CHECK(sim.server().AuthenticatedCount() == 1);
}

TEST_CASE("A wrong password gets -ERR invalid, the 67-byte notice and a close", "[sim][server]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  CHECK(c.ReadBytes(28) == "Content-Type: auth/request\n\n");
  c.Send("auth wrong\n\n");
  const std::string expected = "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n" + kNotice;
  CHECK(c.ReadBytes(expected.size()) == expected);
  CHECK(kDisconnectText.size() == 67);
  CHECK(c.WaitForEof());
  CHECK(c.raw() == "Content-Type: auth/request\n\n" + expected);
}

TEST_CASE("Commands before auth are refused but the connection stays open", "[sim][server]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.NextFrame());
  auto reply = c.Command("api status");
  REQUIRE(reply);
  CHECK(reply->type == esl::ContentType::kCommandReply);
  CHECK(reply->headers.Get("Reply-Text") == "-ERR command not found");
  reply = c.Command("auth ClueCon");
  REQUIRE(reply);
  CHECK(reply->headers.Get("Reply-Text") == "+OK accepted");
}

TEST_CASE("ACL mode sends text/rude-rejection, the notice, and closes", "[sim][server]") {
  SimulatorOptions o = TestOptions();
  o.server.acl_reject = true;
  Simulator sim(o);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  CHECK(c.WaitForEof());
  CHECK(c.raw() == "Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n" + kNotice);
}

TEST_CASE("Subscriptions, exit and unknown commands answer as mod_event_socket", "[sim][server]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  auto r = c.Command("event plain CHANNEL_CREATE CHANNEL_HANGUP_COMPLETE HEARTBEAT BACKGROUND_JOB");
  REQUIRE(r);
  CHECK(r->headers.Get("Reply-Text") == "+OK event listener enabled plain");
  r = c.Command("event json CHANNEL_ANSWER");
  REQUIRE(r);
  CHECK(r->headers.Get("Reply-Text") == "+OK event listener enabled json");
  r = c.Command("event plain NOT_AN_EVENT");
  REQUIRE(r);
  CHECK(r->headers.Get("Reply-Text") == "-ERR no keywords supplied");
  r = c.Command("frobnicate");
  REQUIRE(r);
  CHECK(r->headers.Get("Reply-Text") == "-ERR command not found");
  CHECK(c.Api("frobnicate now") == "-ERR frobnicate Command not found!\n");
  c.Send("exit\n\n");
  const std::string bye = "Content-Type: command/reply\nReply-Text: +OK bye\n\n" + kNotice;
  CHECK(c.ReadBytes(c.raw().size() + bye.size()).find(bye) != std::string::npos);
  CHECK(c.WaitForEof());
  const auto counts = sim.server().CommandCounts();
  CHECK(counts.at("event") == 3);
  CHECK(counts.at("api frobnicate") == 1);
  CHECK(counts.at("exit") == 1);
}

TEST_CASE("bgapi replies with Reply-Text and Job-UUID, then BACKGROUND_JOB carries the output", "[sim][server]") {
  base::FakeClock clock;  // stands still: the call below is still up when it is killed
  Simulator sim(TestOptions(), &clock);
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain BACKGROUND_JOB"));

  c.Send("bgapi uuid_kill 00000000-0000-4000-8000-000000000000\nJob-UUID: my-job-1\n\n");
  auto reply = c.NextReply();
  REQUIRE(reply);
  CHECK(reply->type == esl::ContentType::kCommandReply);
  CHECK(reply->headers.Get("Reply-Text") == "+OK Job-UUID: my-job-1");
  CHECK(reply->headers.Get("Job-UUID") == "my-job-1");
  auto job = c.WaitForEventNamed("BACKGROUND_JOB");
  REQUIRE(job);
  CHECK(job->headers.Get("Job-UUID") == "my-job-1");
  CHECK(job->headers.Get("Job-Command") == "uuid_kill");
  CHECK(job->headers.Get("Job-Command-Arg") == "00000000-0000-4000-8000-000000000000");
  CHECK(job->body == "-ERR No such channel!\n");

  // Without a Job-UUID header the server picks one, and both headers agree.
  CallSpec spec;
  spec.talk_s = 3600;
  auto a = sim.fake_switch().PlaceCall(spec);
  REQUIRE(a.ok());
  reply = c.Command("bgapi uuid_kill " + *a);
  REQUIRE(reply);
  const std::string job_uuid(reply->headers.Get("Job-UUID"));
  CHECK(job_uuid.size() == 36);
  CHECK(reply->headers.Get("Reply-Text") == "+OK Job-UUID: " + job_uuid);
  job = c.WaitForEvent([&](const esl::Event& e) { return e.headers.Get("Job-UUID") == job_uuid; });
  REQUIRE(job);
  CHECK(job->body == "+OK\n");
  CHECK(sim.server().WaitForCommand("bgapi uuid_kill " + *a, 1s) == "bgapi uuid_kill " + *a);
}

TEST_CASE("BACKGROUND_JOB is not sent to a connection that did not subscribe to it", "[sim][server]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  REQUIRE(c.Command("event plain HEARTBEAT"));
  REQUIRE(c.Command("bgapi status"));
  // A later api reply proves the job ran (it runs right after the bgapi reply).
  CHECK(c.Api("uuid_exists nope") == "false");
  CHECK(sim.fake_switch().Stats().events_by_name.at("BACKGROUND_JOB") == 1);
  CHECK(c.events().empty());
}

TEST_CASE("The command log records exact lines and can be awaited", "[sim][server]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  CHECK(c.Api("uuid_kill abc CALL_REJECTED") == "-ERR No such channel!\n");
  CHECK(sim.server().WaitForCommand("api uuid_kill", 1s) == "api uuid_kill abc CALL_REJECTED");
  CHECK(sim.server().WaitForCommand("api never", 50ms).empty());
  const auto lines = sim.server().ReceivedCommands();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "auth ClueCon");
}

TEST_CASE("Garbage injection breaks the client's framing", "[sim][server][faults]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient c(sim.port());
  REQUIRE(c.Login());
  sim.server().SendGarbage();
  CHECK_FALSE(c.NextFrame(2s).has_value());
  CHECK_FALSE(c.parse_error().empty());
}

TEST_CASE("sim_fault drop_link answers first, then closes every connection", "[sim][server][faults]") {
  Simulator sim(TestOptions());
  REQUIRE(sim.Start().ok());
  EslTestClient a(sim.port());
  EslTestClient b(sim.port());
  REQUIRE(a.Login());
  REQUIRE(b.Login());
  CHECK(a.Api("sim_fault drop_link 0") == "+OK\n");
  CHECK(a.WaitForEof());
  CHECK(b.WaitForEof());
  EslTestClient again(sim.port());
  CHECK(again.Login());
}

}  // namespace
}  // namespace tarifador::sim
