#include "rating/prefix_trie.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "unit/rating/synthetic_deck.h"

using namespace tarifador;
using rating::PrefixTrie;
using rating::Rate;

namespace {

base::Instant Day(int64_t d) { return base::Instant::FromSeconds(d * 86'400); }

Rate R(const char* prefix, const char* zone, int priority = 100, int64_t from_day = 0, int64_t to_day = -1) {
  Rate r;
  r.prefix = *rating::Prefix::Parse(prefix);
  r.zone = zone;
  r.price_per_minute = base::Money::FromMicros(100'000);
  r.priority = priority;
  r.effective_from = Day(from_day);
  if (to_day >= 0) r.effective_to = Day(to_day);
  return r;
}

PrefixTrie Build(std::vector<Rate> rates) {
  auto t = PrefixTrie::Build(std::move(rates));
  REQUIRE(t.ok());
  return std::move(*t);
}

std::string ZoneOf(const PrefixTrie& t, std::string_view number, base::Instant at = Day(100)) {
  auto m = t.Find(number, at);
  return m ? m->rate->zone : "<none>";
}

uint64_t TestSeed() {
  const char* env = std::getenv("TARIFADOR_SEED");
  return env && *env ? std::strtoull(env, nullptr, 10) : 20260131;
}

}  // namespace

TEST_CASE("The longest matching prefix wins", "[rating][trie]") {
  const PrefixTrie t = Build({R("44", "UK"), R("447", "UK Mobile"), R("4420", "London"), R("1", "NANP"),
                              R("1212", "New York"), R("44207", "London inner")});
  CHECK(ZoneOf(t, "442079460958") == "London inner");
  CHECK(ZoneOf(t, "442012345678") == "London");
  CHECK(ZoneOf(t, "447700900123") == "UK Mobile");
  CHECK(ZoneOf(t, "441234567890") == "UK");
  CHECK(ZoneOf(t, "12125550100") == "New York");
  CHECK(ZoneOf(t, "13125550100") == "NANP");
  CHECK(ZoneOf(t, "4") == "<none>");  // shorter than every prefix
  CHECK(ZoneOf(t, "33123456789") == "<none>");
  CHECK(ZoneOf(t, "") == "<none>");
  auto m = t.Find("442079460958", Day(100));
  REQUIRE(m);
  CHECK(m->prefix_length == 5);
  CHECK(t.rate_count() == 6);
}

TEST_CASE("Matching stops at the first non-digit", "[rating][trie]") {
  const PrefixTrie t = Build({R("44", "UK"), R("4420", "London")});
  CHECK(ZoneOf(t, "442x0") == "UK");
  CHECK(ZoneOf(t, "4420*") == "London");
}

TEST_CASE("On the same prefix the higher priority wins, then the later effective_from", "[rating][trie]") {
  const PrefixTrie t = Build(
      {R("44", "old", 100, 0), R("44", "new", 100, 50), R("44", "promo", 200, 10, 20), R("44", "future", 100, 200)});
  CHECK(ZoneOf(t, "4420", Day(5)) == "old");     // only "old" is effective
  CHECK(ZoneOf(t, "4420", Day(15)) == "promo");  // higher priority while effective
  CHECK(ZoneOf(t, "4420", Day(20)) == "old");    // effective_to is exclusive
  CHECK(ZoneOf(t, "4420", Day(60)) == "new");    // latest effective_from
  CHECK(ZoneOf(t, "4420", Day(250)) == "future");
}

TEST_CASE("A longer prefix not yet effective falls back to a shorter one", "[rating][trie]") {
  const PrefixTrie t = Build({R("44", "UK"), R("447", "UK Mobile", 100, 30), R("4477", "expired", 100, 0, 10)});
  CHECK(ZoneOf(t, "447700900123", Day(5)) == "expired");
  CHECK(ZoneOf(t, "447700900123", Day(20)) == "UK");
  CHECK(ZoneOf(t, "447700900123", Day(40)) == "UK Mobile");
  CHECK(ZoneOf(t, "447700900123", base::Instant::FromMicros(-1)) == "<none>");  // before the epoch
}

TEST_CASE("Blocked rates match like any other", "[rating][trie]") {
  Rate premium = R("449", "Premium");
  premium.blocked = true;
  const PrefixTrie t = Build({R("44", "UK"), premium});
  auto m = t.Find("449001234567", Day(1));
  REQUIRE(m);
  CHECK(m->rate->blocked);
}

TEST_CASE("Build rejects invalid rates and an empty trie matches nothing", "[rating][trie]") {
  Rate bad = R("44", "UK");
  bad.increment_s = 0;
  auto t = PrefixTrie::Build({bad});
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message() == "rate for prefix \"44\": increment 0 is not between 1 and 86400");
  const PrefixTrie empty;
  CHECK_FALSE(empty.Find("44", Day(1)));
  const PrefixTrie built_empty = Build({});
  CHECK_FALSE(built_empty.Find("44", Day(1)));
}

TEST_CASE("The trie matches a brute-force scan on random decks", "[rating][trie][property]") {
  const uint64_t seed = TestSeed();
  INFO("seed " << seed << " (set TARIFADOR_SEED to replay)");
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 20; ++round) {
    INFO("round " << round);
    // Small alphabets and short prefixes make overlaps, shared prefixes and
    // same-prefix ties common, which is where bugs hide.
    const int digits = 2 + static_cast<int>(rng() % 9);  // digits 0..digits-1
    const size_t rate_count = 1 + rng() % 400;
    std::vector<Rate> rates;
    std::set<std::tuple<std::string, int32_t, int64_t>> keys;
    while (rates.size() < rate_count) {
      std::string p;
      const size_t len = 1 + rng() % 6;
      for (size_t i = 0; i < len; ++i) p.push_back(static_cast<char>('0' + rng() % static_cast<uint64_t>(digits)));
      Rate r;
      r.prefix = *rating::Prefix::Parse(p);
      r.zone = std::to_string(rates.size());  // unique per rate
      r.price_per_minute = base::Money::FromMicros(static_cast<int64_t>(rng() % 1'000'000));
      r.priority = static_cast<int32_t>(rng() % 4) * 50;
      r.effective_from = Day(static_cast<int64_t>(rng() % 100));
      if (rng() % 3 == 0)
        r.effective_to = Day(r.effective_from.seconds() / 86'400 + 1 + static_cast<int64_t>(rng() % 60));
      if (!keys.insert({p, r.priority, r.effective_from.micros()}).second) continue;  // the deck refuses these
      rates.push_back(std::move(r));
    }
    const std::vector<Rate> copy = rates;
    const PrefixTrie t = Build(rates);
    for (int i = 0; i < 500; ++i) {
      std::string number;
      const size_t len = rng() % 10;
      for (size_t k = 0; k < len; ++k) number.push_back(static_cast<char>('0' + rng() % static_cast<uint64_t>(digits)));
      const base::Instant at = Day(static_cast<int64_t>(rng() % 170) - 5);
      // Brute force: every effective rate whose prefix starts the number; best
      // by (prefix length, priority, effective_from).
      const Rate* best = nullptr;
      for (const Rate& r : copy) {
        if (!r.EffectiveAt(at) || number.compare(0, r.prefix.size(), r.prefix.digits()) != 0 ||
            r.prefix.size() > number.size()) {
          continue;
        }
        if (!best || std::make_tuple(r.prefix.size(), r.priority, r.effective_from) >
                         std::make_tuple(best->prefix.size(), best->priority, best->effective_from)) {
          best = &r;
        }
      }
      auto m = t.Find(number, at);
      INFO("number \"" << number << "\" at " << base::FormatIso8601(at));
      REQUIRE(m.has_value() == (best != nullptr));
      if (best) {
        CHECK(m->rate->zone == best->zone);
        CHECK(m->prefix_length == best->prefix.size());
      }
    }
  }
}

TEST_CASE("A realistic 100 000-prefix deck uses at most 64 bytes of trie per prefix", "[rating][trie][memory]") {
  auto rates = rating::testing::SyntheticDeck(100'000, 7);
  const auto numbers = rating::testing::SyntheticNumbers(rates, 1000, 8);
  const PrefixTrie t = Build(std::move(rates));
  const double per_prefix = static_cast<double>(t.IndexBytes()) / static_cast<double>(t.rate_count());
  INFO("nodes " << t.node_count() << ", index bytes " << t.IndexBytes() << ", per prefix " << per_prefix);
  CHECK(t.rate_count() == 100'000);
  CHECK(t.IndexBytes() <= 64 * t.rate_count());
  size_t matched = 0;
  for (const auto& n : numbers) matched += t.Find(n, base::Instant()).has_value() ? 1 : 0;
  CHECK(matched >= 900);  // 90% of the numbers extend a deck prefix
}
