#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador cdr export --from DATE --to DATE [--out FILE]` (SPEC section 10,
// docs/EXPORT.md): the CDRs started in [from, to) as CSV with the configured
// columns and time zone, to stdout or atomically into FILE. DATE is
// YYYY-MM-DD (start of that local day, office time_zone) or a full ISO 8601
// instant; `--to` is exclusive. Reads the store only.
int RunCdrExport(CommandContext& ctx);

}  // namespace tarifador::app
