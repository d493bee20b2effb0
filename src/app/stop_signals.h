#pragma once
// SIGTERM/SIGINT handling for the long-running commands (serve, demo): the
// signals are blocked before any thread starts, so every thread inherits the
// mask and the signals stay pending until WaitForStopSignal takes them on the
// calling thread, where stopping is ordinary code rather than a handler.
#include "base/status.h"

namespace tarifador::app {

// Blocks SIGTERM and SIGINT in the calling thread (and all threads it starts
// afterwards). Call first thing. Fails with Internal if the mask cannot be set.
base::Status BlockStopSignals();

// Waits for SIGTERM or SIGINT (blocked by BlockStopSignals) and returns its
// name, "SIGTERM" or "SIGINT".
const char* WaitForStopSignal();

}  // namespace tarifador::app
