#pragma once
#include "app/command.h"

namespace tarifador::app {
// `tarifador demo [--listen HOST:PORT] [--keep]`: a throw-away data dir with
// the sample rate deck, an admin and an API token (printed on stderr), and
// the service on http.listen (default 0.0.0.0:8080) until SIGTERM/SIGINT.
// The data dir is removed on exit unless --keep is given.
int RunDemo(CommandContext& ctx);
}  // namespace tarifador::app
