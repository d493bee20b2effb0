#pragma once
// Rate deck CSV parsing (SPEC section 2, docs/RATING.md): a header row naming
// the columns in any order; prefix, zone and price_per_minute are required,
// connection_fee, initial_increment, increment, min_duration, grace,
// priority, effective_from, effective_to and blocked are optional and take
// their defaults when the column is absent or the cell is empty.
// Validation reports everything and accepts nothing (STYLE.md habit 12).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "rating/rate.h"

namespace tarifador::rating {

struct DeckError {
  int64_t line = 0;    // 1-based physical line of the record (1 = header)
  std::string column;  // the column at fault; empty when the whole row is
  std::string reason;  // e.g. `prefix "12a" is not digits`

  // "line 17: prefix \"12a\" is not digits"
  std::string ToString() const;
};

struct RateDeck {
  std::vector<Rate> rates;        // empty whenever errors is not
  std::vector<DeckError> errors;  // every problem, ordered by line
  bool ok() const { return errors.empty(); }
};

// Parses a whole deck. Never fails as a call: problems are listed in
// `errors` (bad header, bad cells, rows with the wrong number of fields, CSV
// syntax, duplicate (prefix, effective_from, priority) rows, a deck with no
// rate rows), each with its line number. Rows whose cells are all empty are
// skipped (spreadsheets export them). Column names are matched without case
// and surrounding spaces; cells are trimmed of spaces and tabs.
RateDeck ParseRateDeck(std::string_view csv);

// OK when the deck is; otherwise InvalidArgument "importing plan \"retail\":
// line 17: ...; line 20: ..." listing at most `max_listed` errors and how
// many more there were.
base::Status DeckStatus(const RateDeck& deck, std::string_view plan, size_t max_listed = 20);

}  // namespace tarifador::rating
