#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador user add NAME --role admin|operator|viewer`: reads the password
// from the first line of stdin (at least 10 characters), stores its argon2id
// hash and prints {"name","role"} on stdout. Audited as actor "cli".
// Exit 0; 1 when the config, password or store refuses (reason on stderr,
// e.g. the name exists); 2 on bad usage.
int RunUserAdd(CommandContext& ctx);

}  // namespace tarifador::app
