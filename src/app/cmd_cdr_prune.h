#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador cdr prune [--dry-run]` (docs/OPERATIONS.md "CDR retention"):
// one retention pass now, with the rules of the service (retention.cdr_days,
// exported by every enabled scheduled export, pushed to the mirror). Prints
// the counts as JSON on stdout; exit 0 also when retention is off (the JSON
// says why). --dry-run opens the store read-only and only counts. Safe while
// the service runs (both go through SQLite's locking in short chunks).
int RunCdrPrune(CommandContext& ctx);

}  // namespace tarifador::app
