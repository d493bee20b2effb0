#include "app/cmd_serve.h"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ostream>

#include "app/service.h"
#include "base/log.h"

namespace tarifador::app {

int RunServe(CommandContext& ctx) {
  Service::Options options;
  for (const std::string& a : ctx.args) {
    if (a == "--no-tcp-nodelay") {
      options.tcp_nodelay = false;  // hidden: the Nagle comparison in docs/PERFORMANCE.md
    } else {
      ctx.err << "usage: tarifador serve [--config FILE]\n";
      return 2;
    }
  }

  // Block the stop signals before any thread exists: every thread inherits
  // the mask, so the signals stay pending until sigwait() below takes them on
  // this thread, where stopping is ordinary code rather than a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
    ctx.err << "tarifador: cannot block SIGTERM/SIGINT\n";
    return 1;
  }

  base::Result<config::Config> cfg = ctx.LoadConfig();
  if (!cfg.ok()) {
    ctx.err << "tarifador: " << cfg.status().message() << "\n";
    return 1;
  }
  base::LogLevel level;
  if (base::ParseLogLevel(cfg->log_level, &level)) base::SetLogLevel(level);

  base::Result<std::unique_ptr<Service>> service = Service::Start(*cfg, options);
  if (!service.ok()) {
    ctx.err << "tarifador: " << service.status().message() << "\n";
    return 1;
  }
  base::LogInfo("tarifador serving; data_dir " + cfg->data_dir + ", HTTP port " +
                std::to_string((*service)->http_port()));

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
    // sigwait only fails with EINVAL for a bad set; retry defensively.
  }
  base::LogInfo(std::string("received ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
  (*service)->Stop();
  base::LogInfo("stopped");
  return 0;
}

}  // namespace tarifador::app
