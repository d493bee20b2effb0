#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador cdr import DIR`: bills the mod_json_cdr files in DIR (its
// err-log files `[a_]<uuid>.cdr.json`, or any directory of such documents)
// as a backfill: each leg once, whatever ran before (SPEC section 4).
int RunCdrImport(CommandContext& ctx);

}  // namespace tarifador::app
