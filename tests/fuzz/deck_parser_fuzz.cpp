// libFuzzer target: arbitrary bytes as a rate deck (docs/RATING.md). The
// parser must never crash, hang or accept something the rest of rating
// refuses: a deck it accepts builds a trie, and every rate in it passes
// ValidateRate and can be found again by its own prefix. A refused deck
// yields no rates and errors with sane line numbers. The same bytes also go
// through the RFC 4180 reader and the number normaliser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/csv_reader.h"
#include "rating/cost.h"
#include "rating/number_normaliser.h"
#include "rating/prefix_trie.h"
#include "rating/rate_deck.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();  // libFuzzer reports the crash with the input
}

int64_t CountLines(std::string_view text) {
  int64_t lines = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) ++lines;
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tarifador;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The CSV reader alone: terminates, record lines never go backwards or past the text.
  {
    base::CsvReader reader(text);
    std::vector<std::string> fields;
    int64_t last_line = 0;
    const int64_t max_line = CountLines(text);
    for (size_t records = 0; records <= size + 1; ++records) {
      auto next = reader.Next(fields);
      if (next.ok() && !*next) break;
      Check(reader.record_line() >= last_line && reader.record_line() <= max_line);
      last_line = reader.record_line();
      Check(records < size + 1);  // each record consumes at least one byte
    }
  }

  const rating::RateDeck deck = rating::ParseRateDeck(text);
  if (!deck.ok()) {
    Check(deck.rates.empty());
    const int64_t max_line = CountLines(text);
    for (const rating::DeckError& e : deck.errors) Check(e.line >= 1 && e.line <= max_line && !e.reason.empty());
  } else {
    Check(!deck.rates.empty());
    for (const rating::Rate& r : deck.rates) Check(rating::ValidateRate(r).ok());
    auto trie = rating::PrefixTrie::Build(deck.rates);
    Check(trie.ok());
    for (const rating::Rate& r : deck.rates) {
      // Each rate's own prefix, at its own start, finds a rate on that prefix
      // (maybe a higher-priority one): longest match cannot be shorter.
      auto m = trie->Find(r.prefix.digits(), r.effective_from);
      Check(m.has_value() && m->prefix_length == r.prefix.size());
      auto cost = rating::ComputeCost(*m->rate, rating::CallOutcome::kAnswered, 3600, 4, rating::RoundingMode::kUp);
      Check(cost.ok() && !cost->cost.is_negative());
    }
  }

  // Normaliser with a busy rule set: total on any input.
  static const auto normaliser = *rating::NumberNormaliser::Create(rating::DialPlanRules{.outside_line_code = "9",
                                                                                         .international_prefix = "00",
                                                                                         .national_prefix = "0",
                                                                                         .country_code = "44",
                                                                                         .national_number_digits = 10,
                                                                                         .max_extension_digits = 4});
  auto n = normaliser.Normalise(text);
  if (n.ok()) Check(!n->digits.empty() && n->digits.size() <= rating::NumberNormaliser::kMaxDigits);
  return 0;
}
