#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador rates import --plan NAME FILE [--decimals N] [--rounding up|half_up|down]`
// (SPEC sections 2 and 10). FILE is a rate deck CSV ("-" reads stdin). The
// deck replaces the plan's rates in one transaction, creating the plan when
// missing; --decimals/--rounding also set the plan's rounding policy. On a bad
// deck every bad line goes to stderr, nothing is imported and the exit code
// is 1. On success stdout gets {"plan":"retail","rates":1234,"zones":7}.
int RunRatesImport(CommandContext& ctx);

// `tarifador rates list`: the plans as a JSON array of
// {"name","decimals","rounding","rates","updated_at"}.
int RunRatesList(CommandContext& ctx);

}  // namespace tarifador::app
