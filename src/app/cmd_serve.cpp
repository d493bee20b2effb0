#include "app/cmd_serve.h"

#include <ostream>

#include "app/service.h"
#include "app/stop_signals.h"
#include "base/log.h"

namespace tarifador::app {

int RunServe(CommandContext& ctx) {
  Service::Options options;
  if (!ctx.args.empty()) {
    ctx.err << "usage: tarifador serve [--config FILE]\n";
    return 2;
  }

  if (base::Status s = BlockStopSignals(); !s.ok()) {
    return ctx.Fail(s);
  }

  base::Result<config::Config> cfg = ctx.LoadConfig();
  if (!cfg.ok()) {
    return ctx.Fail(cfg.status());
  }
  base::LogLevel level;
  if (base::ParseLogLevel(cfg->log_level, &level)) base::SetLogLevel(level);

  base::Result<std::unique_ptr<Service>> service = Service::Start(*cfg, options);
  if (!service.ok()) {
    return ctx.Fail(service.status());
  }
  base::LogInfo("tarifador serving; data_dir " + cfg->data_dir + ", HTTP port " +
                std::to_string((*service)->http_port()));

  const char* signal_name = WaitForStopSignal();
  base::LogInfo(std::string("received ") + signal_name + ", stopping");
  (*service)->Stop();
  base::LogInfo("stopped");
  return 0;
}

}  // namespace tarifador::app
