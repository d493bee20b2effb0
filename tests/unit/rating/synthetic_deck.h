#pragma once
// Synthetic but realistic rate decks and dialled numbers, for the property
// tests, the memory test and tests/bench/rating_bench.cpp. Prefixes start with
// real country codes (weighted towards the short, busy ones) followed by
// area or mobile-range digits, like a carrier's A-Z deck; numbers are 11-12
// digits, mostly under a deck prefix, some anywhere.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "rating/rate.h"

namespace tarifador::rating::testing {

inline const std::vector<std::string>& CountryCodes() {
  static const std::vector<std::string> kCodes = {
      "1",   "7",   "20",  "27",  "30",  "31",  "32",  "33",  "34",  "36",  "39",  "40",  "41",  "43",  "44",
      "45",  "46",  "47",  "48",  "49",  "51",  "52",  "53",  "54",  "55",  "56",  "57",  "58",  "60",  "61",
      "62",  "63",  "64",  "65",  "66",  "81",  "82",  "84",  "86",  "90",  "91",  "92",  "93",  "94",  "95",
      "98",  "212", "213", "216", "218", "220", "221", "225", "233", "234", "237", "244", "251", "254", "255",
      "256", "260", "263", "351", "352", "353", "354", "355", "356", "357", "358", "359", "370", "371", "372",
      "373", "374", "375", "376", "377", "380", "381", "382", "385", "386", "387", "389", "420", "421", "423",
      "501", "502", "503", "504", "505", "506", "507", "509", "591", "592", "593", "595", "598", "852", "853",
      "855", "856", "880", "886", "960", "961", "962", "963", "964", "965", "966", "967", "968", "970", "971",
      "972", "973", "974", "975", "976", "977", "992", "993", "994", "995", "996", "998"};
  return kCodes;
}

// `count` distinct prefixes with rates: default terms (60/60, priority 100,
// always effective), prices 0.0100..2.0000, zone "<cc> Fixed" or "<cc> Mobile".
inline std::vector<Rate> SyntheticDeck(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto& codes = CountryCodes();
  // Bigger decks go deeper, as real decks that list every mobile range do.
  const int max_extra = count <= 2'000 ? 3 : count <= 200'000 ? 5 : 7;
  std::uniform_int_distribution<int> extra_digits(1, max_extra);
  std::uniform_int_distribution<int> digit(0, 9);
  std::uniform_int_distribution<int64_t> price(10'000, 2'000'000);
  // Short codes first and more often: "1", "44", "49" carry most traffic.
  std::geometric_distribution<size_t> code_rank(0.04);
  std::unordered_set<std::string> seen;
  std::vector<Rate> rates;
  rates.reserve(count);
  const auto add = [&](const std::string& cc, const std::string& p) {
    Rate r;
    r.prefix = *Prefix::Parse(p);
    r.zone = cc + (p.size() > cc.size() && p[cc.size()] >= '6' ? " Mobile" : " Fixed");
    r.price_per_minute = base::Money::FromMicros(price(rng) / 100 * 100);
    rates.push_back(std::move(r));
  };
  // Every country gets its catch-all rate, as in any A-Z deck.
  for (size_t i = 0; i < codes.size() && rates.size() < count; ++i) {
    seen.insert(codes[i]);
    add(codes[i], codes[i]);
  }
  size_t attempts = 0;
  while (rates.size() < count && attempts < count * 50) {
    ++attempts;
    const std::string& cc = codes[std::min(code_rank(rng), codes.size() - 1)];
    std::string p = cc;
    const int extra = extra_digits(rng);
    for (int i = 0; i < extra; ++i) p.push_back(static_cast<char>('0' + digit(rng)));
    if (!seen.insert(p).second) continue;
    add(cc, p);
  }
  // With many prefixes some short codes saturate; top up with long random
  // prefixes so the deck has exactly `count` entries.
  while (rates.size() < count) {
    std::string p = codes[rng() % codes.size()];
    for (int i = 0; i < max_extra + 2; ++i) p.push_back(static_cast<char>('0' + digit(rng)));
    if (!seen.insert(p).second) continue;
    Rate r;
    r.prefix = *Prefix::Parse(p);
    r.zone = "Other";
    r.price_per_minute = base::Money::FromMicros(price(rng) / 100 * 100);
    rates.push_back(std::move(r));
  }
  std::shuffle(rates.begin(), rates.end(), rng);
  return rates;
}

// `count` dialled numbers (normalised, international form): 90% extend a
// prefix of `deck` to 11-12 digits, 10% are random 11-digit numbers.
inline std::vector<std::string> SyntheticNumbers(const std::vector<Rate>& deck, size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> digit(0, 9);
  std::vector<std::string> numbers;
  numbers.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    std::string n;
    if (!deck.empty() && rng() % 10 != 0) n = deck[rng() % deck.size()].prefix.digits();
    const size_t length = 11 + rng() % 2;
    while (n.size() < length) n.push_back(static_cast<char>('0' + digit(rng)));
    numbers.push_back(std::move(n));
  }
  return numbers;
}

// The deck as CSV text with every column, for parser and import timings.
inline std::string DeckCsv(const std::vector<Rate>& deck) {
  std::string csv = "prefix,zone,price_per_minute,connection_fee,initial_increment,increment,priority\r\n";
  for (const Rate& r : deck) {
    csv += r.prefix.digits();
    csv += ",\"";
    csv += r.zone;
    csv += "\",";
    csv += r.price_per_minute.ToString();
    csv += ",0,60,60,100\r\n";
  }
  return csv;
}

}  // namespace tarifador::rating::testing
