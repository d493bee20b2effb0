#include "sim/simulator.h"

#include <nlohmann/json.hpp>

#include "sim/scaled_clock.h"

namespace tarifador::sim {

namespace {
const base::SystemClock kSystemClock{};
}  // namespace

Simulator::Simulator(SimulatorOptions options, const base::Clock* clock) : options_(std::move(options)) {
  if (clock == nullptr) {
    own_clock_ = std::make_unique<ScaledClock>(kSystemClock.Now(), options_.time_scale);
    clock_ = own_clock_.get();
    options_.switch_options.time_scale = options_.time_scale;
  } else {
    clock_ = clock;
    options_.switch_options.time_scale = 0;  // an injected clock is polled
  }
  switch_clock_ = std::make_unique<base::OffsetClock>(*clock_, options_.clock_offset_us);
  switch_ = std::make_unique<FakeSwitch>(*switch_clock_, options_.switch_options);
  server_ = std::make_unique<EslServer>(*switch_, options_.server);
  if (!options_.socket_host.empty()) UseDialplanSocket(options_.socket_host, options_.socket_port);
}

void Simulator::UseDialplanSocket(const std::string& host, uint16_t port) {
  socket_app_ = std::make_unique<SocketApp>(*switch_, host, port);
  switch_->SetDialplanSocket(socket_app_.get());
}

Simulator::~Simulator() { Stop(); }

base::Status Simulator::Start() {
  TARIFADOR_RETURN_IF_ERROR(server_->Start());
  switch_->Start();
  return base::Status::Ok();
}

void Simulator::Stop() {
  if (load_) load_->Stop();
  if (socket_app_) socket_app_->Stop();
  server_->Stop();
  switch_->Stop();
}

base::Status Simulator::StartLoad(const LoadOptions& options) {
  if (load_) return base::FailedPrecondition("load already started");
  LoadOptions o = options;
  o.time_scale = options_.switch_options.time_scale > 0 ? options_.switch_options.time_scale : 0.001;
  TARIFADOR_RETURN_IF_ERROR(ValidateLoadOptions(o));
  load_ = std::make_unique<LoadGenerator>(*switch_, *switch_clock_, o);
  return load_->Start();
}

base::Status Simulator::PlayScenario(const std::vector<ScriptedCall>& calls) {
  for (const ScriptedCall& call : calls) {
    TARIFADOR_RETURN_IF_ERROR(switch_->PlaceCallAfter(call.at_s, call.spec));
  }
  return base::Status::Ok();
}

std::string Simulator::SummaryJson() const {
  const SwitchStats stats = switch_->Stats();
  nlohmann::ordered_json out;
  out["seed"] = options_.switch_options.seed;
  out["calls_placed"] = stats.calls_placed;
  out["calls_by_outcome"] = stats.calls_by_outcome;
  out["calls_killed"] = stats.calls_killed;
  out["calls_in_progress"] = switch_->PendingCalls();
  out["events_emitted"] = stats.events_emitted;
  out["events_by_name"] = stats.events_by_name;
  out["events_sent"] = server_->EventsSent();
  out["commands"] = server_->CommandCounts();
  out["connections_authenticated"] = server_->AuthenticatedCount();
  out["gateway_legs"] = stats.gateway_legs;
  out["gateway_legs_answered"] = stats.gateway_legs_answered;
  if (socket_app_) {
    out["socket_sessions"] = stats.socket_sessions;
    out["socket_gate_hangups"] = stats.socket_gate_hangups;
  }
  if (!options_.switch_options.cdr_dir.empty()) {
    out["cdr_files_written"] = stats.cdr_files_written;
    out["cdr_write_errors"] = stats.cdr_write_errors;
  }
  return out.dump();
}

}  // namespace tarifador::sim
