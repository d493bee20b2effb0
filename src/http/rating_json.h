#pragma once
// JSON for rating results, shared by the HTTP API and the command line so that
// `tarifador quote` and GET /api/v1/quote print the same document (SPEC
// section 10). Field names are external: add, never rename.
#include <string>

#include "rating/quote.h"

namespace tarifador::http {

// The quote as JSON text: SPEC section 10's "prefix", "zone",
// "price_per_minute", "billable_seconds", "cost" (money as decimal strings)
// plus the breakdown a dispute needs, in the order docs/RATING.md shows.
// `indent` < 0: one line; otherwise pretty-printed with that many spaces.
// Never fails (invalid UTF-8 in a zone name is replaced, not thrown).
std::string QuoteJson(const rating::Quote& quote, int indent = -1);

}  // namespace tarifador::http
