#include "sim/load_generator.h"

#include <catch2/catch.hpp>

#include "sim/simulator.h"

namespace tarifador::sim {
namespace {

using namespace std::chrono_literals;

TEST_CASE("Load mode places the configured number of calls with the seeded mix", "[sim][load]") {
  SimulatorOptions o;
  o.server.port = 0;
  o.time_scale = 0.0005;
  o.switch_options.heartbeat_s = 0;
  Simulator sim(o);
  REQUIRE(sim.Start().ok());
  LoadOptions load;
  load.calls_per_second = 20;
  load.max_concurrent = 50;
  load.total_calls = 40;
  load.min_talk_s = 1;
  load.max_talk_s = 3;
  load.min_ring_s = 0.5;
  load.max_ring_s = 1;
  load.answered_pct = 50;
  load.busy_pct = 50;
  load.no_answer_pct = 0;
  load.failed_pct = 0;
  load.seed = 99;
  REQUIRE(sim.StartLoad(load).ok());
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!(sim.load()->done() && sim.fake_switch().PendingCalls() == 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);  // polling a condition with a deadline
  }
  REQUIRE(sim.load()->done());
  const SwitchStats stats = sim.fake_switch().Stats();
  CHECK(stats.calls_placed == 40);
  CHECK(stats.calls_by_outcome.count("no_answer") == 0);
  CHECK(stats.calls_by_outcome.at("answered") + stats.calls_by_outcome.at("busy") == 40);
  CHECK(stats.calls_by_outcome.at("answered") >= 8);  // 50/50 of 40: far from either end
  CHECK(stats.calls_by_outcome.at("busy") >= 8);
  CHECK(stats.events_by_name.at("CHANNEL_CREATE") == 80);
  CHECK(stats.events_by_name.at("CHANNEL_HANGUP_COMPLETE") == 80);
  CHECK(sim.SummaryJson().find("\"calls_placed\":40") != std::string::npos);
}

TEST_CASE("The same seed gives the same calls", "[sim][load]") {
  base::FakeClock clock;
  FakeSwitch sw(clock, SwitchOptions{});
  LoadOptions load;
  load.seed = 5;
  load.inbound_pct = 30;
  LoadGenerator one(sw, clock, load);
  LoadGenerator two(sw, clock, load);
  load.seed = 6;
  LoadGenerator other(sw, clock, load);
  bool differs = false;
  for (int i = 0; i < 50; ++i) {
    const CallSpec a = one.NextSpec();
    const CallSpec b = two.NextSpec();
    const CallSpec c = other.NextSpec();
    CHECK(a.caller == b.caller);
    CHECK(a.destination == b.destination);
    CHECK(a.talk_s == b.talk_s);
    CHECK(a.outcome == b.outcome);
    CHECK(a.talk_s >= load.min_talk_s);
    CHECK(a.talk_s <= load.max_talk_s);
    differs = differs || a.caller != c.caller || a.talk_s != c.talk_s;
  }
  CHECK(differs);
}

TEST_CASE("Bad load options are all reported", "[sim][load]") {
  LoadOptions load;
  load.calls_per_second = 0;
  load.answered_pct = 90;
  load.destinations.clear();
  const base::Status s = ValidateLoadOptions(load);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("calls per second") != std::string::npos);
  CHECK(s.message().find("add up to 100") != std::string::npos);
  CHECK(s.message().find("destination") != std::string::npos);
  CHECK(ValidateLoadOptions(LoadOptions{}).ok());
}

}  // namespace
}  // namespace tarifador::sim
