#include "app/stop_signals.h"

#include <pthread.h>
#include <signal.h>

namespace tarifador::app {
namespace {

sigset_t StopSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

base::Status BlockStopSignals() {
  const sigset_t set = StopSet();
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return base::Internal("cannot block SIGTERM/SIGINT");
  return base::Status::Ok();
}

const char* WaitForStopSignal() {
  const sigset_t set = StopSet();
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
    // sigwait only fails with EINVAL for a bad set; retry defensively.
  }
  return signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace tarifador::app
