#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador check [FILE]` (SPEC section 10): checks the configured store, or
// the store file FILE (e.g. a backup before restoring it), read-only and
// safe while the service runs. Prints
// {"ok":bool,"store":path,"checks":[{"name","ok","detail"}...]} on stdout and
// names the failed checks on stderr. Exit 0 only when every check passed; 1
// otherwise (also for an invalid config or a missing store); 2 on bad usage.
int RunCheck(CommandContext& ctx);

}  // namespace tarifador::app
