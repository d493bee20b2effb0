#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador token create NAME --role admin|operator|viewer|cdr-writer`: creates an API
// token and prints ONLY the token (one line) on stdout; it cannot be shown
// again (only its SHA-256 is stored). Audited as actor "cli".
// Exit 0; 1 when the config or store refuses (reason on stderr); 2 on bad usage.
int RunTokenCreate(CommandContext& ctx);

}  // namespace tarifador::app
