#include "sync/copy_rows.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

using tarifador::sync::AppendCopyText;
using tarifador::sync::CopyRowEncoder;

namespace {

const std::vector<std::string_view> kColumns = {"id", "name", "note", "amount"};

std::string Row(std::string_view payload) {
  CopyRowEncoder encoder(kColumns);
  std::string out;
  const auto st = encoder.Append(out, payload);
  return st.ok() ? out : "error: " + st.message();
}

}  // namespace

TEST_CASE("copy text: the four special bytes are escaped, others pass", "[sync]") {
  std::string out;
  AppendCopyText(out, "a\\b\tc\nd\re \"q\" \xC3\xA9");
  CHECK(out == "a\\\\b\\tc\\nd\\re \"q\" \xC3\xA9");
  out.clear();
  AppendCopyText(out, "\\N");  // the text "\N", not NULL
  CHECK(out == "\\\\N");
}

TEST_CASE("copy rows: payload values land in column order, absent and null as \\N", "[sync]") {
  CHECK(Row(R"({"id":1,"name":"x","note":"y","amount":-60000})") == "1\tx\ty\t-60000\n");
  // Any key order, whitespace, unknown keys ignored, missing and null columns NULL.
  CHECK(Row(R"({"id":1,"extra":[1]})").find("object or array") != std::string::npos);
  CHECK(Row(R"( { "amount" : 5 , "extra": "z" , "id": 2 , "note": null } )") == "2\t\\N\t\\N\t5\n");
  CHECK(Row("{}") == "\\N\t\\N\t\\N\t\\N\n");
  CHECK(Row(R"({"id":true,"name":false,"amount":1.5e3})") == "t\tf\t\\N\t1.5e3\n");
}

TEST_CASE("copy rows: JSON escapes decode, then COPY escapes apply", "[sync]") {
  CHECK(Row(R"({"name":"tab\there","note":"a\\b \"q\" \/"})") == "\\N\ttab\\there\ta\\\\b \"q\" /\t\\N\n");
  // Backspace and form feed need no COPY escape: they travel as the raw bytes.
  CHECK(Row(R"({"name":"l1\nl2\r","note":"\b\f"})") == "\\N\tl1\\nl2\\r\t\b\f\t\\N\n");
  // \u escapes, including a surrogate pair and a control character.
  CHECK(Row(R"({"name":"\u00e9\u20ac\ud83d\ude00","note":"\u0009\u005c"})") ==
        "\\N\t\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\t\\t\\\\\t\\N\n");
  // Raw UTF-8 and a literal "\N" text stay text.
  CHECK(Row(R"({"name":"Mu\u00f1oz","note":"\\N"})") == "\\N\tMu\xC3\xB1oz\t\\\\N\t\\N\n");
}

TEST_CASE("copy rows: bad payloads fail with the offset and append nothing", "[sync]") {
  CopyRowEncoder encoder(kColumns);
  std::string out = "kept\n";
  for (std::string_view bad : {"", "[]", "42", "{", R"({"id":1)", R"({"id":1,})", R"({"id":01x})", R"({"id":nul})",
                               R"({"id":"open)", R"({"id":"\x"})", R"({"id":"\ud800"})", R"({"id":"\u0000"})",
                               R"({"id":{"a":1}})", R"({"id":1} trailing)", R"({id:1})"}) {
    INFO(bad);
    const auto st = encoder.Append(out, bad);
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("reading an outbox payload") == 0);
  }
  CHECK(out == "kept\n");
  // The encoder is reusable after a failure.
  REQUIRE(encoder.Append(out, R"({"id":3})").ok());
  CHECK(out == "kept\n3\t\\N\t\\N\t\\N\n");
}
