#include "base/csv_reader.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using tarifador::base::CsvReader;

namespace {

using Records = std::vector<std::vector<std::string>>;

// All records of `text`; fails the test on a CSV error.
Records ReadAll(std::string_view text, std::vector<int64_t>* lines = nullptr) {
  CsvReader reader(text);
  Records out;
  std::vector<std::string> fields;
  for (;;) {
    auto next = reader.Next(fields);
    REQUIRE(next.ok());
    if (!*next) break;
    out.push_back(fields);
    if (lines) lines->push_back(reader.record_line());
  }
  return out;
}

}  // namespace

TEST_CASE("CsvReader reads plain records with LF, CRLF and CR endings", "[csv]") {
  const Records want = {{"a", "b", "c"}, {"1", "2", "3"}};
  CHECK(ReadAll("a,b,c\n1,2,3\n") == want);
  CHECK(ReadAll("a,b,c\r\n1,2,3\r\n") == want);
  CHECK(ReadAll("a,b,c\r1,2,3") == want);
  CHECK(ReadAll("a,b,c\n1,2,3") == want);  // no final newline
}

TEST_CASE("CsvReader handles RFC 4180 quoting", "[csv]") {
  std::vector<int64_t> lines;
  const Records got = ReadAll(
      "name,note\n"
      "\"Smith, John\",\"said \"\"hi\"\"\"\n"
      "\"multi\r\nline\",\"\"\n"
      "x,\n",
      &lines);
  const Records want = {{"name", "note"}, {"Smith, John", "said \"hi\""}, {"multi\r\nline", ""}, {"x", ""}};
  CHECK(got == want);
  CHECK(lines == std::vector<int64_t>{1, 2, 3, 5});  // the quoted line break counts
}

TEST_CASE("CsvReader skips a UTF-8 BOM and empty lines", "[csv]") {
  CHECK(ReadAll("\xEF\xBB\xBFprefix,zone\n\n44,UK\r\n\r\n") == Records{{"prefix", "zone"}, {"44", "UK"}});
  CHECK(ReadAll("").empty());
  CHECK(ReadAll("\n\n").empty());
  CHECK(ReadAll("a,,") == Records{{"a", "", ""}});
}

TEST_CASE("CsvReader reports bad records with their line and carries on", "[csv]") {
  CsvReader reader("a,b\n\"x\"y,1\nok,2\nbad\"quote,3\nlast,4\n");
  std::vector<std::string> fields;
  REQUIRE(*reader.Next(fields));
  auto bad = reader.Next(fields);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "line 2: unexpected text after a closing quote");
  auto ok = reader.Next(fields);
  REQUIRE(ok.ok());
  CHECK(fields == std::vector<std::string>{"ok", "2"});
  CHECK(reader.record_line() == 3);
  auto bad2 = reader.Next(fields);
  REQUIRE_FALSE(bad2.ok());
  CHECK(bad2.status().message().rfind("line 4: quote inside an unquoted field", 0) == 0);
  REQUIRE(*reader.Next(fields));
  CHECK(fields == std::vector<std::string>{"last", "4"});
  CHECK_FALSE(*reader.Next(fields));
}

TEST_CASE("CsvReader reports a quote that never closes", "[csv]") {
  CsvReader reader("a\n\"open\nstill open\n");
  std::vector<std::string> fields;
  REQUIRE(*reader.Next(fields));
  auto bad = reader.Next(fields);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "line 2: quoted field never closes (missing '\"')");
  auto end = reader.Next(fields);
  REQUIRE(end.ok());
  CHECK_FALSE(*end);
}

TEST_CASE("CsvReader accepts another delimiter", "[csv]") {
  CsvReader reader("a;b\n\"1;2\";3\n", CsvReader::Options{';', true});
  std::vector<std::string> fields;
  REQUIRE(*reader.Next(fields));
  CHECK(fields == std::vector<std::string>{"a", "b"});
  REQUIRE(*reader.Next(fields));
  CHECK(fields == std::vector<std::string>{"1;2", "3"});
}
