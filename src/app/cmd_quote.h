#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador quote [--plan NAME] NUMBER SECONDS [--at ISO8601]` (SPEC section
// 10): prints the quote as JSON on stdout (http::QuoteJson, the same document
// GET /api/v1/quote answers). The plan defaults to rating.default_plan and the
// number is normalised with the configured rating.* dial-plan rules. Exit 1
// with a message on stderr when the plan or a matching rate is missing; 2 on
// bad usage.
int RunQuote(CommandContext& ctx);

}  // namespace tarifador::app
