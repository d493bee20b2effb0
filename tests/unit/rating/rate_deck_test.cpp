#include "rating/rate_deck.h"

#include <catch2/catch.hpp>
#include <string>

#include "unit/rating/synthetic_deck.h"

using namespace tarifador;

namespace {

std::vector<std::string> ErrorLines(const rating::RateDeck& deck) {
  std::vector<std::string> out;
  for (const auto& e : deck.errors) out.push_back(e.ToString());
  return out;
}

}  // namespace

TEST_CASE("A minimal deck takes every default", "[rating][deck]") {
  auto deck = rating::ParseRateDeck("prefix,zone,price_per_minute\n44,UK,0.12\n");
  REQUIRE(deck.ok());
  REQUIRE(deck.rates.size() == 1);
  const rating::Rate& r = deck.rates[0];
  CHECK(r.prefix.digits() == "44");
  CHECK(r.zone == "UK");
  CHECK(r.price_per_minute == base::Money::FromMicros(120'000));
  CHECK(r.connection_fee.is_zero());
  CHECK(r.initial_increment_s == 60);
  CHECK(r.increment_s == 60);
  CHECK(r.min_duration_s == 0);
  CHECK(r.grace_s == 0);
  CHECK(r.priority == 100);
  CHECK(r.effective_from == base::Instant());
  CHECK_FALSE(r.effective_to.has_value());
  CHECK_FALSE(r.blocked);
}

TEST_CASE("A full deck: columns in any order, quotes, CRLF, BOM, empty cells default", "[rating][deck]") {
  const std::string csv =
      "\xEF\xBB\xBF"
      "Blocked, effective_to ,effective_from,priority,grace,min_duration,increment,initial_increment,"
      "connection_fee,price_per_minute,zone,prefix\r\n"
      "no,,2026-01-01,200,3,10,6,30,0.05,0.1234,\"Mobile, UK\",447\r\n"
      "1,2027-01-01T00:00:00Z,,,,,,,,0,Premium,449\r\n"
      ",,,,,,,,,\"0.5\",Fixed,44\r\n"
      ",,,,,,,,,,,\r\n";  // an all-empty row from a spreadsheet
  auto deck = rating::ParseRateDeck(csv);
  INFO(rating::DeckStatus(deck, "t").message());
  REQUIRE(deck.ok());
  REQUIRE(deck.rates.size() == 3);
  const rating::Rate& m = deck.rates[0];
  CHECK(m.prefix.digits() == "447");
  CHECK(m.zone == "Mobile, UK");
  CHECK(m.price_per_minute == base::Money::FromMicros(123'400));
  CHECK(m.connection_fee == base::Money::FromMicros(50'000));
  CHECK(m.initial_increment_s == 30);
  CHECK(m.increment_s == 6);
  CHECK(m.min_duration_s == 10);
  CHECK(m.grace_s == 3);
  CHECK(m.priority == 200);
  CHECK(m.effective_from == *base::ParseIso8601("2026-01-01T00:00:00Z"));
  CHECK_FALSE(m.blocked);
  const rating::Rate& p = deck.rates[1];
  CHECK(p.blocked);
  REQUIRE(p.effective_to.has_value());
  CHECK(*p.effective_to == *base::ParseIso8601("2027-01-01"));
  CHECK(deck.rates[2].price_per_minute == base::Money::FromMicros(500'000));
}

TEST_CASE("Every bad line is reported with line, column and reason, nothing is accepted", "[rating][deck]") {
  const std::string csv =
      "prefix,zone,price_per_minute,increment,blocked,effective_from,effective_to\n"  // 1
      "44,UK,0.10,,,,\n"                                                              // 2 ok
      "12a,UK,0.10,,,,\n"                                                             // 3
      "45,,abc,,,,\n"                                                                 // 4: two errors
      "46,DK,-0.10,0,maybe,,\n"                                                       // 5: three
      "47,NO,0.10\n"                                                                  // 6: short row
      "48,PL,0.1234567,,,,\n"                                                         // 7
      "49,DE,0.10,,,2026-13-01,\n"                                                    // 8
      "30,GR,0.10,,,2026-02-01,2026-01-01\n"                                          // 9
      "31,NL,0.10,86401,,,\n"                                                         // 10
      "32,BE,100000000.000001,,,,\n"                                                  // 11: a fuzzer's find
      "33,FR,0999999999999.05,,,,\n";                                                 // 12
  auto deck = rating::ParseRateDeck(csv);
  CHECK_FALSE(deck.ok());
  CHECK(deck.rates.empty());
  const std::vector<std::string> want = {
      "line 3: prefix \"12a\" is not digits",
      "line 4: zone is empty",
      "line 4: price_per_minute \"abc\" is not a decimal number",
      "line 5: price_per_minute \"-0.10\" is negative",
      "line 5: increment \"0\" is not between 1 and 86400",
      "line 5: blocked \"maybe\" is not one of 1, 0, true, false, yes, no",
      "line 6: has 3 fields but the header has 7",
      "line 7: price_per_minute \"0.1234567\" has more than 6 decimal places",
      "line 8: effective_from \"2026-13-01\" is not a date such as 2026-01-01 or 2026-01-01T00:00:00Z",
      "line 9: effective_to \"2026-01-01\" is not after effective_from 2026-02-01T00:00:00Z",
      "line 10: increment \"86401\" is not between 1 and 86400",
      "line 11: price_per_minute \"100000000.000001\" is above 100000000",
      "line 12: price_per_minute \"0999999999999.05\" is above 100000000",
  };
  CHECK(ErrorLines(deck) == want);
  CHECK(deck.errors[0].column == "prefix");
  CHECK(deck.errors[1].column == "zone");
  CHECK(deck.errors[6].column.empty());
  const base::Status s = rating::DeckStatus(deck, "retail", 2);
  CHECK(s.code() == base::StatusCode::kInvalidArgument);
  CHECK(s.message() ==
        "importing plan \"retail\": line 3: prefix \"12a\" is not digits; line 4: zone is empty; and 11 more");
}

TEST_CASE("Duplicate (prefix, effective_from, priority) rows are errors naming the first line", "[rating][deck]") {
  const std::string csv =
      "prefix,zone,price_per_minute,effective_from,priority\n"
      "44,UK,0.10,,\n"               // 2
      "44,UK,0.11,2026-01-01,\n"     // 3: other effective_from: fine
      "44,UK,0.12,,200\n"            // 4: other priority: fine
      "44,UK,0.13,1970-01-01,100\n"  // 5: same as line 2 once defaulted
      "44,UK,0.14,,\n";              // 6: same as line 2 again
  auto deck = rating::ParseRateDeck(csv);
  CHECK(deck.rates.empty());
  CHECK(ErrorLines(deck) == std::vector<std::string>{"line 5: duplicate rate: prefix \"44\", effective_from "
                                                     "1970-01-01T00:00:00Z, priority 100 is already on line 2",
                                                     "line 6: duplicate rate: prefix \"44\", effective_from "
                                                     "1970-01-01T00:00:00Z, priority 100 is already on line 2"});
}

TEST_CASE("Header problems are reported and stop the parse", "[rating][deck]") {
  auto missing = rating::ParseRateDeck("prefix,price\n44,0.1\n");
  CHECK(ErrorLines(missing) ==
        std::vector<std::string>{"line 1: unknown column \"price\" (known: prefix, zone, price_per_minute, "
                                 "connection_fee, initial_increment, increment, min_duration, grace, priority, "
                                 "effective_from, effective_to, blocked)",
                                 "line 1: required column \"zone\" is missing",
                                 "line 1: required column \"price_per_minute\" is missing"});
  auto twice = rating::ParseRateDeck("prefix,zone,price_per_minute,ZONE\n44,UK,0.1,UK\n");
  CHECK(ErrorLines(twice) == std::vector<std::string>{"line 1: column \"zone\" appears twice"});
  CHECK(ErrorLines(rating::ParseRateDeck("")) ==
        std::vector<std::string>{
            "line 1: the deck is empty (expected a header row such as prefix,zone,price_per_minute)"});
  CHECK(ErrorLines(rating::ParseRateDeck("prefix,zone,price_per_minute\r\n")) ==
        std::vector<std::string>{"line 1: the deck has a header but no rates"});
}

TEST_CASE("CSV syntax errors are reported per line alongside field errors", "[rating][deck]") {
  auto deck = rating::ParseRateDeck(
      "prefix,zone,price_per_minute\n"
      "44,\"UK\"x,0.1\n"
      "4x,UK,0.1\n"
      "45,\"never closed,0.1\n");
  CHECK(ErrorLines(deck) == std::vector<std::string>{"line 2: unexpected text after a closing quote",
                                                     "line 3: prefix \"4x\" is not digits",
                                                     "line 4: quoted field never closes (missing '\"')"});
}

// Its speed is measured by tests/bench/rating_bench (docs/PERFORMANCE.md), not here.
TEST_CASE("A 100 000-row deck parses whole", "[rating][deck][.slow]") {
  const auto rates = rating::testing::SyntheticDeck(100'000, 42);
  const std::string csv = rating::testing::DeckCsv(rates);
  auto deck = rating::ParseRateDeck(csv);
  REQUIRE(deck.ok());
  CHECK(deck.rates.size() == 100'000);
}
