#include "rating/rate_deck.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

#include "base/csv_reader.h"
#include "base/strings.h"

namespace tarifador::rating {
namespace {

using base::Quoted;

enum class Column {
  kPrefix,
  kZone,
  kPricePerMinute,
  kConnectionFee,
  kInitialIncrement,
  kIncrement,
  kMinDuration,
  kGrace,
  kPriority,
  kEffectiveFrom,
  kEffectiveTo,
  kBlocked,
};
constexpr size_t kColumnCount = 12;

// External names (CSV header, docs/RATING.md): added, never renamed.
constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "prefix",       "zone",  "price_per_minute", "connection_fee", "initial_increment", "increment",
    "min_duration", "grace", "priority",         "effective_from", "effective_to",      "blocked"};
constexpr size_t kRequiredColumns = 3;  // the first three names above

constexpr size_t kMaxZoneLength = 64;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<int64_t> ParseInteger(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return std::nullopt;  // 18 digits cannot overflow int64
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

std::optional<bool> ParseFlag(std::string_view s) {
  const std::string v = Lower(s);
  if (v == "1" || v == "true" || v == "yes" || v == "y") return true;
  if (v == "0" || v == "false" || v == "no" || v == "n") return false;
  return std::nullopt;
}

class DeckParser {
 public:
  RateDeck Parse(std::string_view csv);

 private:
  void Error(int64_t line, Column column, std::string reason) {
    deck_.errors.push_back({line, std::string(kColumnNames[static_cast<size_t>(column)]), std::move(reason)});
  }
  void RowError(int64_t line, std::string reason) { deck_.errors.push_back({line, "", std::move(reason)}); }
  bool ParseHeader(const std::vector<std::string>& fields, int64_t line);
  void ParseRow(const std::vector<std::string>& fields, int64_t line);
  void ParseSeconds(std::string_view cell, Column column, int32_t min, int64_t line, int32_t& out);
  void ParseMoney(std::string_view cell, Column column, int64_t line, base::Money& out);
  void FindDuplicates();

  RateDeck deck_;
  // Position of each column in a row, or -1 when the header lacks it.
  std::array<int, kColumnCount> position_{};
  size_t header_fields_ = 0;
  std::vector<int64_t> lines_;  // line of each rate in deck_.rates
};

bool DeckParser::ParseHeader(const std::vector<std::string>& fields, int64_t line) {
  position_.fill(-1);
  header_fields_ = fields.size();
  bool ok = true;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string name = Lower(Trim(fields[i]));
    auto it = std::find(kColumnNames.begin(), kColumnNames.end(), name);
    if (it == kColumnNames.end()) {
      RowError(line, "unknown column " + Quoted(fields[i]) +
                         " (known: prefix, zone, price_per_minute, "
                         "connection_fee, initial_increment, increment, min_duration, grace, priority, "
                         "effective_from, effective_to, blocked)");
      ok = false;
      continue;
    }
    const auto column = static_cast<size_t>(it - kColumnNames.begin());
    if (position_[column] >= 0) {
      RowError(line, "column " + Quoted(name) + " appears twice");
      ok = false;
      continue;
    }
    position_[column] = static_cast<int>(i);
  }
  for (size_t c = 0; c < kRequiredColumns; ++c) {
    if (position_[c] < 0) {
      Error(line, static_cast<Column>(c), "required column " + Quoted(kColumnNames[c]) + " is missing");
      ok = false;
    }
  }
  return ok;
}

void DeckParser::ParseSeconds(std::string_view cell, Column column, int32_t min, int64_t line, int32_t& out) {
  if (cell.empty()) return;
  const std::string_view name = kColumnNames[static_cast<size_t>(column)];
  auto v = ParseInteger(cell);
  if (!v) {
    Error(line, column, std::string(name) + " " + Quoted(cell) + " is not a whole number of seconds");
  } else if (*v < min || *v > kMaxRateSeconds) {
    Error(line, column,
          std::string(name) + " " + Quoted(cell) + " is not between " + std::to_string(min) + " and " +
              std::to_string(kMaxRateSeconds));
  } else {
    out = static_cast<int32_t>(*v);
  }
}

void DeckParser::ParseMoney(std::string_view cell, Column column, int64_t line, base::Money& out) {
  const std::string_view name = kColumnNames[static_cast<size_t>(column)];
  auto m = base::Money::Parse(cell);
  if (!m.ok()) {
    // Money's message reads `amount "x" <why>`; name the column instead.
    std::string why = m.status().message();
    const std::string head = "amount " + Quoted(cell);
    if (why.rfind(head, 0) == 0) why.erase(0, head.size());
    Error(line, column, std::string(name) + " " + Quoted(cell) + why);
  } else if (m->is_negative()) {
    Error(line, column, std::string(name) + " " + Quoted(cell) + " is negative");
  } else if (*m > base::Money::FromUnits(kMaxRateMoneyUnits)) {
    Error(line, column, std::string(name) + " " + Quoted(cell) + " is above 100000000");
  } else {
    out = *m;
  }
}

void DeckParser::ParseRow(const std::vector<std::string>& fields, int64_t line) {
  if (std::all_of(fields.begin(), fields.end(), [](const std::string& f) { return Trim(f).empty(); })) return;
  if (fields.size() != header_fields_) {
    RowError(line,
             "has " + std::to_string(fields.size()) + " fields but the header has " + std::to_string(header_fields_));
    return;
  }
  const size_t errors_before = deck_.errors.size();
  const auto cell = [&](Column c) -> std::string_view {
    const int p = position_[static_cast<size_t>(c)];
    return p < 0 ? std::string_view() : Trim(fields[static_cast<size_t>(p)]);
  };
  Rate rate;
  if (auto prefix = Prefix::Parse(cell(Column::kPrefix)); prefix.ok()) {
    rate.prefix = std::move(*prefix);
  } else {
    Error(line, Column::kPrefix, prefix.status().message());
  }
  const std::string_view zone = cell(Column::kZone);
  if (zone.empty()) {
    Error(line, Column::kZone, "zone is empty");
  } else if (zone.size() > kMaxZoneLength) {
    Error(line, Column::kZone,
          "zone " + Quoted(zone) + " is longer than " + std::to_string(kMaxZoneLength) + " characters");
  } else {
    rate.zone = std::string(zone);
  }
  if (const std::string_view price = cell(Column::kPricePerMinute); price.empty()) {
    Error(line, Column::kPricePerMinute, "price_per_minute is empty");
  } else {
    ParseMoney(price, Column::kPricePerMinute, line, rate.price_per_minute);
  }
  if (const std::string_view fee = cell(Column::kConnectionFee); !fee.empty()) {
    ParseMoney(fee, Column::kConnectionFee, line, rate.connection_fee);
  }
  ParseSeconds(cell(Column::kInitialIncrement), Column::kInitialIncrement, 0, line, rate.initial_increment_s);
  ParseSeconds(cell(Column::kIncrement), Column::kIncrement, 1, line, rate.increment_s);
  ParseSeconds(cell(Column::kMinDuration), Column::kMinDuration, 0, line, rate.min_duration_s);
  ParseSeconds(cell(Column::kGrace), Column::kGrace, 0, line, rate.grace_s);
  if (const std::string_view p = cell(Column::kPriority); !p.empty()) {
    auto v = ParseInteger(p);
    if (!v || *v < std::numeric_limits<int32_t>::min() || *v > std::numeric_limits<int32_t>::max()) {
      Error(line, Column::kPriority, "priority " + Quoted(p) + " is not a whole number");
    } else {
      rate.priority = static_cast<int32_t>(*v);
    }
  }
  bool dates_ok = true;
  if (const std::string_view from = cell(Column::kEffectiveFrom); !from.empty()) {
    auto t = base::ParseIso8601(from);
    if (!t.ok()) {
      Error(line, Column::kEffectiveFrom,
            "effective_from " + Quoted(from) + " is not a date such as 2026-01-01 or 2026-01-01T00:00:00Z");
      dates_ok = false;
    } else {
      rate.effective_from = *t;
    }
  }
  if (const std::string_view to = cell(Column::kEffectiveTo); !to.empty()) {
    auto t = base::ParseIso8601(to);
    if (!t.ok()) {
      Error(line, Column::kEffectiveTo,
            "effective_to " + Quoted(to) + " is not a date such as 2026-01-01 or 2026-01-01T00:00:00Z");
      dates_ok = false;
    } else {
      rate.effective_to = *t;
    }
  }
  if (dates_ok && rate.effective_to && *rate.effective_to <= rate.effective_from) {
    Error(line, Column::kEffectiveTo,
          "effective_to " + Quoted(cell(Column::kEffectiveTo)) + " is not after effective_from " +
              base::FormatIso8601(rate.effective_from));
  }
  if (const std::string_view b = cell(Column::kBlocked); !b.empty()) {
    auto v = ParseFlag(b);
    if (!v) {
      Error(line, Column::kBlocked, "blocked " + Quoted(b) + " is not one of 1, 0, true, false, yes, no");
    } else {
      rate.blocked = *v;
    }
  }
  if (deck_.errors.size() != errors_before) return;
  deck_.rates.push_back(std::move(rate));
  lines_.push_back(line);
}

void DeckParser::FindDuplicates() {
  std::vector<uint32_t> order(deck_.rates.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto key_less = [this](uint32_t a, uint32_t b) {
    const Rate& x = deck_.rates[a];
    const Rate& y = deck_.rates[b];
    if (x.prefix != y.prefix) return x.prefix.digits() < y.prefix.digits();
    if (x.effective_from != y.effective_from) return x.effective_from < y.effective_from;
    if (x.priority != y.priority) return x.priority < y.priority;
    return lines_[a] < lines_[b];
  };
  std::sort(order.begin(), order.end(), key_less);
  for (size_t i = 1; i < order.size(); ++i) {
    const Rate& prev = deck_.rates[order[i - 1]];
    const Rate& cur = deck_.rates[order[i]];
    if (prev.prefix == cur.prefix && prev.effective_from == cur.effective_from && prev.priority == cur.priority) {
      // Report against the first occurrence so three copies name one line.
      size_t first = i - 1;
      while (first > 0) {
        const Rate& f = deck_.rates[order[first - 1]];
        if (f.prefix != cur.prefix || f.effective_from != cur.effective_from || f.priority != cur.priority) break;
        --first;
      }
      RowError(lines_[order[i]], "duplicate rate: prefix " + Quoted(cur.prefix.digits()) + ", effective_from " +
                                     base::FormatIso8601(cur.effective_from) + ", priority " +
                                     std::to_string(cur.priority) + " is already on line " +
                                     std::to_string(lines_[order[first]]));
    }
  }
}

RateDeck DeckParser::Parse(std::string_view csv) {
  base::CsvReader reader(csv);
  std::vector<std::string> fields;
  bool have_header = false;
  for (;;) {
    auto next = reader.Next(fields);
    if (!next.ok()) {
      // CsvReader says "line N: why"; keep the why, the line is stored apart.
      std::string why = next.status().message();
      const size_t colon = why.find(": ");
      if (colon != std::string::npos) why.erase(0, colon + 2);
      RowError(reader.record_line(), why);
      if (!have_header) break;  // without a header no row can be read
      continue;
    }
    if (!*next) break;
    if (!have_header) {
      have_header = true;
      if (!ParseHeader(fields, reader.record_line())) break;
      continue;
    }
    ParseRow(fields, reader.record_line());
  }
  if (!have_header && deck_.errors.empty()) {
    RowError(1, "the deck is empty (expected a header row such as prefix,zone,price_per_minute)");
  } else if (deck_.errors.empty() && deck_.rates.empty()) {
    RowError(1, "the deck has a header but no rates");
  }
  FindDuplicates();
  std::stable_sort(deck_.errors.begin(), deck_.errors.end(),
                   [](const DeckError& a, const DeckError& b) { return a.line < b.line; });
  if (!deck_.errors.empty()) deck_.rates.clear();
  return std::move(deck_);
}

}  // namespace

std::string DeckError::ToString() const { return "line " + std::to_string(line) + ": " + reason; }

RateDeck ParseRateDeck(std::string_view csv) { return DeckParser().Parse(csv); }

base::Status DeckStatus(const RateDeck& deck, std::string_view plan, size_t max_listed) {
  if (deck.ok()) return base::Status::Ok();
  std::string message = "importing plan \"" + std::string(plan) + "\": ";
  const size_t listed = std::min(max_listed, deck.errors.size());
  for (size_t i = 0; i < listed; ++i) {
    if (i > 0) message += "; ";
    message += deck.errors[i].ToString();
  }
  if (listed < deck.errors.size()) {
    message += "; and " + std::to_string(deck.errors.size() - listed) + " more";
  }
  return base::InvalidArgument(message);
}

}  // namespace tarifador::rating
