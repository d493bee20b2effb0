#include "base/json_parse.h"

#include <catch2/catch.hpp>
#include <string>

using tarifador::base::JsonLimits;
using tarifador::base::ParseJson;

TEST_CASE("ParseJson reads ordinary documents", "[base][json]") {
  auto v = ParseJson(R"({"a": [1, 2, {"b": "c"}], "d": {"a": 1}})");
  REQUIRE(v.ok());
  CHECK((*v)["a"][2]["b"] == "c");
  CHECK((*v)["d"]["a"] == 1);  // the same key in different objects is fine
}

TEST_CASE("ParseJson refuses nesting deeper than the limit before building it", "[base][json]") {
  CHECK(ParseJson(std::string(32, '[') + std::string(32, ']')).ok());
  auto deep = ParseJson(std::string(33, '[') + std::string(33, ']'));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().message() == "JSON nested deeper than 32 levels");
  // Eight million brackets stop at the 33rd: nothing more is built.
  auto bomb = ParseJson(std::string(8'000'000, '['));
  REQUIRE_FALSE(bomb.ok());
  CHECK(bomb.status().message().find("deeper") != std::string::npos);
  CHECK_FALSE(ParseJson(R"({"a":{"a":{"a":1}}})", JsonLimits{.max_depth = 2}).ok());
}

TEST_CASE("ParseJson refuses numbers outside double and says so", "[base][json]") {
  auto big = ParseJson(R"({"x": 1e309})");
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().message() == "JSON with a number out of range");
  CHECK(ParseJson(R"({"x": -1e308, "y": 123456789012345678901234567890})").ok());
}

TEST_CASE("ParseJson refuses a repeated key in any object", "[base][json]") {
  auto top = ParseJson(R"({"amount": "1.00", "amount": "1000000"})");
  REQUIRE_FALSE(top.ok());
  CHECK(top.status().message() == "JSON with the key \"amount\" twice in one object");
  CHECK_FALSE(ParseJson(R"({"a": {"k": 1, "k": 2}})").ok());
  CHECK_FALSE(ParseJson(R"([{"k": 1}, {"k": 1, "x": 0, "k": 2}])").ok());
  // Sibling objects at one depth each have their own keys.
  CHECK(ParseJson(R"([{"k": 1}, {"k": 2}])").ok());
  // The key is shown safely, never with quotes or control bytes from outside.
  auto odd = ParseJson("{\"a\\\"\\u0001\": 1, \"a\\\"\\u0001\": 2}");
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.status().message() == "JSON with the key \"a??\" twice in one object");
}

TEST_CASE("ParseJson keeps the first of a repeated top-level key when asked", "[base][json]") {
  JsonLimits cdr{.first_wins_top_level_key = "callflow"};
  auto v = ParseJson(R"({"callflow": {"n": "newest"}, "callflow": {"n": "oldest"}})", cdr);
  REQUIRE(v.ok());
  CHECK((*v)["callflow"]["n"] == "newest");
  // Only that key, and only at the top.
  CHECK_FALSE(ParseJson(R"({"variables": {}, "variables": {}})", cdr).ok());
  CHECK_FALSE(ParseJson(R"({"x": {"callflow": 1, "callflow": 2}})", cdr).ok());
}

TEST_CASE("ParseJson names the byte where malformed JSON stops", "[base][json]") {
  auto bad = ParseJson(R"({"a": tru})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().rfind("not valid JSON (at byte ", 0) == 0);
  CHECK(bad.status().message().find("tru") == std::string::npos);
}
