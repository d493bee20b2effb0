#pragma once
// The whole fake FreeSWITCH in one object, for tarifador-sim, `tarifador
// demo` and in-process tests: a FakeSwitch on a (scaled or injected) clock,
// its EslServer, an optional LoadGenerator and scenario playback.
//
//   sim::SimulatorOptions o;
//   o.server.port = 0;          // any free port
//   o.time_scale = 0.01;        // 1 simulated second = 10 ms
//   sim::Simulator sim(o);
//   if (auto s = sim.Start(); !s.ok()) ...
//   sim.fake_switch().PlaceCall(spec);
//   sim.server().WaitForCommand("api uuid_kill ", 2s);
//
// Thread-safe as its parts are.
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "sim/esl_server.h"
#include "sim/fake_switch.h"
#include "sim/load_generator.h"
#include "sim/scenario.h"
#include "sim/socket_app.h"

namespace tarifador::sim {

struct SimulatorOptions {
  ServerOptions server;
  SwitchOptions switch_options;  // its time_scale is overwritten from time_scale below
  // Real seconds per simulated second when the Simulator makes its own
  // clock (a ScaledClock starting at the system time).
  double time_scale = 1.0;
  // The simulated FreeSWITCH's clock minus clock() (the box's), in
  // microseconds: a switch on another host, or on a router that booted
  // before NTP. Every time the switch stamps or counts (events, CDRs, `show
  // channels`, sched_hangup) is on its own clock.
  int64_t clock_offset_us = 0;
  // The dialplan's `socket` application (sim/socket_app.h): outbound calls
  // are first held while FreeSWITCH's side talks to this "host:port"
  // (tarifador's freeswitch.socket_listen). Empty: calls bridge at once.
  std::string socket_host;
  uint16_t socket_port = 0;
};

class Simulator {
 public:
  // With `clock` (e.g. a base::FakeClock the test moves), simulated time is
  // that clock's; it must outlive the Simulator. Without it, a ScaledClock.
  explicit Simulator(SimulatorOptions options, const base::Clock* clock = nullptr);
  ~Simulator();  // Stop()
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Starts the switch's scheduler and the ESL server; Unavailable when the
  // address cannot be bound.
  base::Status Start();
  // Stops load, server and scheduler, in that order. Idempotent.
  void Stop();

  // Starts the random load; InvalidArgument for bad options,
  // FailedPrecondition if load already runs.
  base::Status StartLoad(const LoadOptions& options);
  // Schedules every scripted call at its "at" offset from now.
  base::Status PlayScenario(const std::vector<ScriptedCall>& calls);

  FakeSwitch& fake_switch() { return *switch_; }
  EslServer& server() { return *server_; }
  uint16_t port() const { return server_->port(); }
  // The box's time: what tarifador should run on (the switch's clock is
  // this plus the clock offset).
  const base::Clock& clock() const { return *clock_; }

  // The load generator, or nullptr when none was started.
  const LoadGenerator* load() const { return load_.get(); }

  // One JSON object: seed, calls placed (total and by outcome), calls killed,
  // events emitted (total and by name), events sent to clients, commands
  // received by name, connections authenticated; with a cdr_dir, the CDR
  // files written and the writes that failed.
  std::string SummaryJson() const;
  // Outbound calls placed from now on first run the dialplan's socket on
  // host:port (as SimulatorOptions::socket_host, once tarifador's port is
  // known). Call it once, before placing calls.
  void UseDialplanSocket(const std::string& host, uint16_t port);
  // The dialplan's socket, or nullptr when off.
  const SocketApp* socket_app() const { return socket_app_.get(); }

 private:
  SimulatorOptions options_;
  std::unique_ptr<base::Clock> own_clock_;
  const base::Clock* clock_;
  std::unique_ptr<base::OffsetClock> switch_clock_;  // clock_ + the offset
  std::unique_ptr<FakeSwitch> switch_;
  std::unique_ptr<EslServer> server_;
  std::unique_ptr<SocketApp> socket_app_;
  std::unique_ptr<LoadGenerator> load_;
};

}  // namespace tarifador::sim
