// tarifador-sim: a fake FreeSWITCH Event Socket server and load generator
// (SPEC section 8; docs/SIM.md). stdout: the JSON summary on exit; stderr: talk.
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "sim/simulator.h"

namespace {

using tarifador::sim::LoadOptions;
using tarifador::sim::SimulatorOptions;

volatile std::sig_atomic_t g_stop = 0;

void OnSignal(int) { g_stop = 1; }

constexpr const char* kUsage = R"(usage: tarifador-sim [options]
A fake FreeSWITCH (inbound Event Socket server) that places simulated calls.

Server:
  --listen HOST:PORT        address to listen on (default 127.0.0.1:8021; port 0 = any)
  --password PW             ESL password (default ClueCon)
  --hostname NAME           FreeSWITCH-Hostname of the events (default sim-pbx)
  --heartbeat S             HEARTBEAT every S simulated seconds, 0 = never (default 20)
  --time-scale F            real seconds per simulated second (default 1; 0.01 = 100x faster)
  --seed N                  RNG seed for uuids and load (default random; printed)
  --clock-offset S          the switch's clock runs S seconds ahead of this host's (negative:
                            behind), as FreeSWITCH on another host or a router without a
                            real-time clock (default 0)
  --cdr-dir DIR             write each leg's mod_json_cdr document to DIR/<uuid>.cdr.json
                            when it ends (DIR must exist)
  --cdr-prefix-a-leg        name A-leg files a_<uuid>.cdr.json (mod_json_cdr prefix-a-leg)
  --dialplan-socket HOST:PORT
                            outbound calls first run the dialplan's `socket HOST:PORT`
                            application (sync mode) and wait there, as the dialplan of
                            docs/FREESWITCH.md does; then its gate
  --socket-gate deny|allow  the gate after the socket: a call not set
                            tarifador_decision=allowed is hung up (deny, default) or
                            bridged anyway (allow: billing.when_down = allow)
Load (random calls; on unless --scenario is given without --cps):
  --cps F                   calls per simulated second (default 1)
  --max-concurrent N        calls in progress at most (default 20)
  --calls N                 place N calls, wait for them to end, then exit
  --talk MIN:MAX            talk seconds (default 5:180)
  --ring MIN:MAX            ring seconds (default 1:10)
  --mix answered=A,busy=B,no_answer=C,failed=D   outcome percentages, sum 100 (default 70,10,15,5)
  --inbound-pct N           percent of calls from the gateway to an extension (default 0)
  --callers FIRST-LAST      caller extensions (default 1001-1010)
  --destinations N1,N2,...  dialled numbers; up to 5 digits = an extension
  --gateway NAME            gateway of outside calls (default gw1)
Scenario:
  --scenario FILE           play the calls of FILE (docs/SIM.md)
  --exit-when-done          exit once the scenario's calls have ended
  --wait-for-subscriber     place no call until a client has subscribed to events
                            (`event ...`); the times below then count from that moment
Run time and faults (times in simulated seconds from the start):
  --duration S              exit after S seconds
  --drop-link-after S       close every client connection at S
  --drop-link-for S         and refuse connections for S more seconds (default 0)
  --garbage-after S         send bytes that break ESL framing at S
  --stale-channels S        `show channels` lists each channel S more seconds after it is
                            destroyed (commands on it answer -ERR No such channel!), as a
                            real FreeSWITCH's channels table can (default 0)
  --stop-heartbeat-after S  stop sending HEARTBEAT at S
  --acl-reject              answer every connection with text/rude-rejection
  --duplicate-hangups       emit every CHANNEL_HANGUP_COMPLETE twice (a replay)
  --log-level LEVEL         debug|info|warning|error (default info)
)";

bool ParseDouble(const std::string& text, double* out) {
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return !text.empty() && end != nullptr && *end == '\0';
}

bool ParseU64(const std::string& text, uint64_t* out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19) return false;
  *out = std::stoull(text);
  return true;
}

bool ParseRange(const std::string& text, char sep, double* lo, double* hi) {
  const size_t at = text.find(sep);
  if (at == std::string::npos) return ParseDouble(text, lo) && ParseDouble(text, hi);
  return ParseDouble(text.substr(0, at), lo) && ParseDouble(text.substr(at + 1), hi);
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int Fail(const std::string& message) {
  std::cerr << "tarifador-sim: " << message << "\n(see --help)\n";
  return 2;
}

int Run(int argc, char** argv) {
  SimulatorOptions options;
  LoadOptions load;
  bool load_wanted = false;
  bool seed_given = false;
  uint64_t seed = 0;
  uint64_t calls = 0;
  std::string scenario_path;
  bool exit_when_done = false;
  bool wait_for_subscriber = false;
  double duration_s = -1, drop_after_s = -1, drop_for_s = 0, garbage_after_s = -1, silence_after_s = -1;

  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    auto number = [&](double* out) { return value(&v) && ParseDouble(v, out); };
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (flag == "--listen") {
      if (!value(&v)) return Fail("--listen needs HOST:PORT");
      const size_t colon = v.rfind(':');
      uint64_t port = 0;
      if (colon == std::string::npos || !ParseU64(v.substr(colon + 1), &port) || port > 65535) {
        return Fail("--listen \"" + v + "\" is not HOST:PORT");
      }
      options.server.host = v.substr(0, colon);
      if (options.server.host.size() > 2 && options.server.host.front() == '[') {
        options.server.host = options.server.host.substr(1, options.server.host.size() - 2);
      }
      options.server.port = static_cast<uint16_t>(port);
    } else if (flag == "--password") {
      if (!value(&options.server.password)) return Fail("--password needs a value");
    } else if (flag == "--hostname") {
      if (!value(&options.switch_options.hostname)) return Fail("--hostname needs a value");
    } else if (flag == "--heartbeat") {
      if (!number(&options.switch_options.heartbeat_s) || options.switch_options.heartbeat_s < 0) {
        return Fail("--heartbeat needs seconds >= 0");
      }
    } else if (flag == "--time-scale") {
      if (!number(&options.time_scale) || !(options.time_scale > 0)) return Fail("--time-scale needs a number > 0");
    } else if (flag == "--clock-offset") {
      double offset_s = 0;
      if (!number(&offset_s) || !(std::abs(offset_s) <= 100.0 * 365 * 86400)) {
        return Fail("--clock-offset needs seconds (within 100 years)");
      }
      options.clock_offset_us = static_cast<int64_t>(offset_s * 1e6);
    } else if (flag == "--dialplan-socket") {
      if (!value(&v)) return Fail("--dialplan-socket needs HOST:PORT");
      const size_t colon = v.rfind(':');
      uint64_t port = 0;
      if (colon == std::string::npos || !ParseU64(v.substr(colon + 1), &port) || port == 0 || port > 65535) {
        return Fail("--dialplan-socket \"" + v + "\" is not HOST:PORT");
      }
      options.socket_host = v.substr(0, colon);
      options.socket_port = static_cast<uint16_t>(port);
    } else if (flag == "--socket-gate") {
      if (!value(&v) || (v != "deny" && v != "allow")) return Fail("--socket-gate needs deny or allow");
      options.switch_options.socket_gate_allow = v == "allow";
    } else if (flag == "--stale-channels") {
      if (!number(&options.switch_options.stale_channels_s) || !(options.switch_options.stale_channels_s >= 0) ||
          options.switch_options.stale_channels_s > 86400) {
        return Fail("--stale-channels needs seconds from 0 to 86400");
      }
    } else if (flag == "--seed") {
      if (!value(&v) || !ParseU64(v, &seed)) return Fail("--seed needs a non-negative integer");
      seed_given = true;
    } else if (flag == "--cps") {
      if (!number(&load.calls_per_second)) return Fail("--cps needs a number");
      load_wanted = true;
    } else if (flag == "--max-concurrent") {
      uint64_t n = 0;
      if (!value(&v) || !ParseU64(v, &n)) return Fail("--max-concurrent needs an integer");
      load.max_concurrent = static_cast<size_t>(n);
    } else if (flag == "--calls") {
      if (!value(&v) || !ParseU64(v, &calls) || calls == 0) return Fail("--calls needs an integer >= 1");
      load_wanted = true;
    } else if (flag == "--talk") {
      if (!value(&v) || !ParseRange(v, ':', &load.min_talk_s, &load.max_talk_s)) return Fail("--talk needs MIN:MAX");
    } else if (flag == "--ring") {
      if (!value(&v) || !ParseRange(v, ':', &load.min_ring_s, &load.max_ring_s)) return Fail("--ring needs MIN:MAX");
    } else if (flag == "--mix") {
      if (!value(&v)) return Fail("--mix needs answered=A,busy=B,no_answer=C,failed=D");
      load.answered_pct = load.busy_pct = load.no_answer_pct = load.failed_pct = 0;
      for (const std::string& item : SplitList(v)) {
        const size_t eq = item.find('=');
        uint64_t pct = 0;
        if (eq == std::string::npos || !ParseU64(item.substr(eq + 1), &pct) || pct > 100) {
          return Fail("--mix item \"" + item + "\" is not NAME=PERCENT");
        }
        const std::string name = item.substr(0, eq);
        const int p = static_cast<int>(pct);
        if (name == "answered") {
          load.answered_pct = p;
        } else if (name == "busy") {
          load.busy_pct = p;
        } else if (name == "no_answer") {
          load.no_answer_pct = p;
        } else if (name == "failed") {
          load.failed_pct = p;
        } else {
          return Fail("--mix: unknown outcome \"" + name + "\"");
        }
      }
    } else if (flag == "--inbound-pct") {
      uint64_t n = 0;
      if (!value(&v) || !ParseU64(v, &n) || n > 100) return Fail("--inbound-pct needs 0..100");
      load.inbound_pct = static_cast<int>(n);
    } else if (flag == "--callers") {
      double lo = 0, hi = 0;
      if (!value(&v) || !ParseRange(v, '-', &lo, &hi)) return Fail("--callers needs FIRST-LAST");
      load.first_extension = static_cast<int>(lo);
      load.last_extension = static_cast<int>(hi);
    } else if (flag == "--destinations") {
      if (!value(&v)) return Fail("--destinations needs a list");
      load.destinations = SplitList(v);
    } else if (flag == "--gateway") {
      if (!value(&load.gateway)) return Fail("--gateway needs a name");
    } else if (flag == "--scenario") {
      if (!value(&scenario_path)) return Fail("--scenario needs a file");
    } else if (flag == "--exit-when-done") {
      exit_when_done = true;
    } else if (flag == "--wait-for-subscriber") {
      wait_for_subscriber = true;
    } else if (flag == "--duration") {
      if (!number(&duration_s) || duration_s < 0) return Fail("--duration needs seconds >= 0");
    } else if (flag == "--drop-link-after") {
      if (!number(&drop_after_s) || drop_after_s < 0) return Fail("--drop-link-after needs seconds >= 0");
    } else if (flag == "--drop-link-for") {
      if (!number(&drop_for_s) || drop_for_s < 0) return Fail("--drop-link-for needs seconds >= 0");
    } else if (flag == "--garbage-after") {
      if (!number(&garbage_after_s) || garbage_after_s < 0) return Fail("--garbage-after needs seconds >= 0");
    } else if (flag == "--stop-heartbeat-after") {
      if (!number(&silence_after_s) || silence_after_s < 0) return Fail("--stop-heartbeat-after needs seconds >= 0");
    } else if (flag == "--acl-reject") {
      options.server.acl_reject = true;
    } else if (flag == "--duplicate-hangups") {
      options.switch_options.duplicate_hangups = true;
    } else if (flag == "--cdr-dir") {
      if (!value(&options.switch_options.cdr_dir) || options.switch_options.cdr_dir.empty()) {
        return Fail("--cdr-dir needs a directory");
      }
      std::error_code ec;
      if (!std::filesystem::is_directory(options.switch_options.cdr_dir, ec)) {
        return Fail("--cdr-dir \"" + options.switch_options.cdr_dir + "\" is not a directory");
      }
    } else if (flag == "--cdr-prefix-a-leg") {
      options.switch_options.cdr_prefix_a_leg = true;
    } else if (flag == "--log-level") {
      tarifador::base::LogLevel level;
      if (!value(&v) || !tarifador::base::ParseLogLevel(v, &level)) return Fail("--log-level needs a level");
      tarifador::base::SetLogLevel(level);
    } else {
      return Fail("unknown option \"" + flag + "\"");
    }
  }
  if (!seed_given) seed = (static_cast<uint64_t>(std::random_device{}()) << 32) | std::random_device{}();
  options.switch_options.seed = seed;
  load.seed = seed;
  load.total_calls = calls;
  if (scenario_path.empty()) load_wanted = true;

  std::vector<tarifador::sim::ScriptedCall> scenario;
  if (!scenario_path.empty()) {
    auto loaded = tarifador::sim::LoadScenarioFile(scenario_path);
    if (!loaded.ok()) return Fail(loaded.status().message());
    scenario = std::move(*loaded);
  }
  if (load_wanted) {
    LoadOptions check = load;
    check.time_scale = options.time_scale;
    if (auto s = tarifador::sim::ValidateLoadOptions(check); !s.ok()) return Fail(s.message());
  }

  tarifador::sim::Simulator sim(options);
  if (auto s = sim.Start(); !s.ok()) {
    std::cerr << "tarifador-sim: " << s.message() << "\n";
    return 1;
  }
  std::cerr << "tarifador-sim: seed " << seed << ", listening on " << options.server.host << ":" << sim.port()
            << ", time scale " << options.time_scale << "\n";
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  if (wait_for_subscriber) {
    // A test starts the biller after the sim (it needs the port): no call
    // may be placed before the biller listens, or it would miss its start.
    std::cerr << "tarifador-sim: waiting for a client to subscribe to events\n";
    while (g_stop == 0) {
      const auto counts = sim.server().CommandCounts();
      if (auto it = counts.find("event"); it != counts.end() && it->second > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // The subscription is recorded before it is applied, and a client may
    // send more than one `event` line: give it a moment.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (g_stop == 0) std::cerr << "tarifador-sim: a client subscribed; starting\n";
  }
  if (!scenario.empty()) {
    if (auto s = sim.PlayScenario(scenario); !s.ok()) return Fail(s.message());
  }
  if (load_wanted) {
    if (auto s = sim.StartLoad(load); !s.ok()) return Fail(s.message());
  }

  const int64_t start_us = sim.clock().Now().micros();
  auto reached = [&](double at_s) {
    return at_s >= 0 && sim.clock().Now().micros() - start_us >= static_cast<int64_t>(at_s * 1e6);
  };
  bool dropped = false, garbled = false, silenced = false;
  while (g_stop == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!dropped && reached(drop_after_s)) {
      dropped = true;
      const auto real_ms = static_cast<int64_t>(drop_for_s * options.time_scale * 1000);
      std::cerr << "tarifador-sim: dropping the link\n";
      sim.server().DropLink(std::chrono::milliseconds(real_ms));
    }
    if (!garbled && reached(garbage_after_s)) {
      garbled = true;
      std::cerr << "tarifador-sim: sending garbage\n";
      sim.server().SendGarbage();
    }
    if (!silenced && reached(silence_after_s)) {
      silenced = true;
      std::cerr << "tarifador-sim: heartbeats stopped\n";
      sim.fake_switch().SetHeartbeatsEnabled(false);
    }
    if (reached(duration_s)) break;
    const bool load_done = sim.load() != nullptr && sim.load()->done();
    const bool idle = sim.fake_switch().PendingCalls() == 0;
    if (calls > 0 && load_done && idle) break;
    if (exit_when_done && !load_wanted && idle) break;
  }
  sim.Stop();
  std::cout << sim.SummaryJson() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "tarifador-sim: " << e.what() << "\n";
    return 1;
  }
}
