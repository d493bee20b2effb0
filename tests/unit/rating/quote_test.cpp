#include "rating/quote.h"

#include <catch2/catch.hpp>

#include "rating/rate_deck.h"

using namespace tarifador;

namespace {

std::shared_ptr<const rating::RateBook> Book() {
  auto deck = rating::ParseRateDeck(
      "prefix,zone,price_per_minute,connection_fee,initial_increment,increment,blocked\n"
      "44,UK Fixed,0.02,,60,60,\n"
      "4420,London,0.015,,1,1,\n"
      "447,UK Mobile,0.12,0.05,30,6,\n"
      "449,Premium,1.50,,,,yes\n");
  REQUIRE(deck.ok());
  rating::RatePlan plan;
  plan.name = "retail";
  plan.rates = deck.rates;
  auto book = rating::RateBook::Build({plan});
  REQUIRE(book.ok());
  return *book;
}

}  // namespace

TEST_CASE("A quote shows the matched rate and the cost", "[rating][quote]") {
  const auto book = Book();
  const rating::NumberNormaliser normaliser;
  // +44 7700 900123 for 95 s: UK Mobile, 30/6 -> 30 + 11*6 = 96 s;
  // 0.05 + 0.12 * 96 / 60 = 0.2420.
  auto q = rating::QuoteCall(*book, "retail", normaliser, "+44 7700 900123", 95, base::Instant());
  REQUIRE(q.ok());
  CHECK(q->plan == "retail");
  CHECK(q->dialled == "+44 7700 900123");
  CHECK(q->number.digits == "447700900123");
  CHECK(q->rate.prefix.digits() == "447");
  CHECK(q->rate.zone == "UK Mobile");
  CHECK_FALSE(q->blocked);
  CHECK(q->cost.billable_s == 96);
  CHECK(q->cost.increments == 11);
  CHECK(q->cost.cost.ToString() == "0.2420");
}

TEST_CASE("A quote explains a missing plan, a missing rate and a blocked destination", "[rating][quote]") {
  const auto book = Book();
  const rating::NumberNormaliser normaliser;
  auto no_plan = rating::QuoteCall(*book, "gold", normaliser, "4420", 60, base::Instant());
  REQUIRE_FALSE(no_plan.ok());
  CHECK(no_plan.status().code() == base::StatusCode::kNotFound);
  CHECK(no_plan.status().message() == "no rate plan \"gold\"");

  auto no_rate = rating::QuoteCall(*book, "retail", normaliser, "0033 1 23 45 67 89", 60, base::Instant());
  REQUIRE_FALSE(no_rate.ok());
  CHECK(no_rate.status().code() == base::StatusCode::kNotFound);
  CHECK(no_rate.status().message() == "no rate for 33123456789 in plan \"retail\"");

  auto blocked = rating::QuoteCall(*book, "retail", normaliser, "+44 909 8790 000", 60, base::Instant());
  REQUIRE(blocked.ok());
  CHECK(blocked->blocked);
  CHECK(blocked->rate.zone == "Premium");
  CHECK(blocked->cost.cost.is_zero());

  CHECK(rating::QuoteCall(*book, "retail", normaliser, "no digits", 60, base::Instant()).status().code() ==
        base::StatusCode::kInvalidArgument);
  CHECK_FALSE(rating::QuoteCall(*book, "retail", normaliser, "4420", -1, base::Instant()).ok());
}
