#pragma once
#include <nlohmann/json.hpp>

#include "app/command.h"
#include "rating/quote.h"

namespace tarifador::app {

// `tarifador quote --plan NAME NUMBER SECONDS [--at ISO8601]` (SPEC section
// 10): prints the quote as JSON on stdout (QuoteJson). Exit 1 with a message
// on stderr when the plan or a matching rate is missing; 2 on bad usage.
int RunQuote(CommandContext& ctx);

// The quote JSON shared by the CLI: SPEC section 10's "prefix", "zone",
// "price_per_minute", "billable_seconds", "cost" (money as decimal strings)
// plus the breakdown a dispute needs. Field names are external: add, never rename.
nlohmann::ordered_json QuoteJson(const rating::Quote& quote);

}  // namespace tarifador::app
