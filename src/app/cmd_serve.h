#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador serve [--config FILE]` (also what runs with no command): starts
// the service (app/service.h) and runs until SIGTERM or SIGINT, then stops the
// HTTP server and the store writer cleanly and exits 0. Exit 1 when the config
// is invalid or something cannot start (the reason on stderr); 2 on bad usage.
int RunServe(CommandContext& ctx);

}  // namespace tarifador::app
