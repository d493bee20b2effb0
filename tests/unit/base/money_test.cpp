#include "base/money.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

using tarifador::base::Money;

TEST_CASE("Money parses decimal strings exactly", "[money]") {
  struct Case {
    const char* text;
    int64_t micros;
  };
  const Case cases[] = {
      {"0", 0},
      {"12", 12'000'000},
      {"12.34", 12'340'000},
      {"12.3400", 12'340'000},
      {"-0.5", -500'000},
      {"+3.", 3'000'000},
      {".25", 250'000},
      {"0.000001", 1},
      {"1.1234560", 1'123'456},
      {"9223372036854.775807", std::numeric_limits<int64_t>::max()},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto m = Money::Parse(c.text);
    REQUIRE(m.ok());
    CHECK(m->micros() == c.micros);
  }
}

TEST_CASE("Money rejects bad text with a message naming it", "[money]") {
  for (const char* bad : {"", "-", ".", "1.2.3", "12a", "1,5", " 1", "1e3", "0.0000001", "9223372036854.775808",
                          "99999999999999999999", "--1", "0x10"}) {
    INFO(bad);
    auto m = Money::Parse(bad);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().message().find(std::string("\"") + bad + "\"") != std::string::npos);
  }
}

TEST_CASE("Money formats exactly with a minimum of decimals", "[money]") {
  CHECK(Money::FromMicros(12'340'000).ToString() == "12.3400");
  CHECK(Money::FromMicros(1).ToString() == "0.000001");
  CHECK(Money::FromMicros(-500'000).ToString() == "-0.5000");
  CHECK(Money::FromMicros(5'000'000).ToString(0) == "5");
  CHECK(Money::FromMicros(5'120'000).ToString(0) == "5.12");
  CHECK(Money::FromMicros(0).ToString(2) == "0.00");
  CHECK(Money::FromMicros(std::numeric_limits<int64_t>::min()).ToString() == "-9223372036854.775808");
}

TEST_CASE("Money appends the same text ToString returns", "[money]") {
  std::string out = "x,";
  Money::FromMicros(12'340'000).AppendTo(out);
  Money::FromMicros(-7).AppendTo(out.append(","), 0);
  Money::FromMicros(std::numeric_limits<int64_t>::min()).AppendTo(out.append(","));
  Money::FromMicros(std::numeric_limits<int64_t>::max()).AppendTo(out.append(","), 2);
  CHECK(out == "x,12.3400,-0.000007,-9223372036854.775808,9223372036854.775807");
}

TEST_CASE("Money round-trips every formatted value", "[money]") {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{999'999}, int64_t{123'456'789'012},
                    std::numeric_limits<int64_t>::max()}) {
    for (int d = 0; d <= 6; ++d) {
      auto back = Money::Parse(Money::FromMicros(v).ToString(d));
      REQUIRE(back.ok());
      CHECK(back->micros() == v);
    }
  }
}

TEST_CASE("Money checked arithmetic detects overflow", "[money]") {
  const Money max = Money::FromMicros(std::numeric_limits<int64_t>::max());
  CHECK_FALSE(max.CheckedAdd(Money::FromMicros(1)).ok());
  CHECK_FALSE(Money::FromMicros(std::numeric_limits<int64_t>::min()).CheckedSub(Money::FromMicros(1)).ok());
  CHECK_FALSE(max.CheckedMul(2).ok());
  auto sum = Money::FromMicros(10).CheckedAdd(Money::FromMicros(-3));
  REQUIRE(sum.ok());
  CHECK(sum->micros() == 7);
  CHECK(Money::FromUnits(2) > Money::FromMicros(1'999'999));
}
