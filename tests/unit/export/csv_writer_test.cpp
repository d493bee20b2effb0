#include "export/csv_writer.h"

#include <catch2/catch.hpp>
#include <string>

namespace tarifador::exports {
namespace {

std::string Quoted(std::string_view field) {
  std::string out;
  AppendCsvField(out, field);
  return out;
}

TEST_CASE("CSV fields are quoted only when RFC 4180 requires it", "[export]") {
  CHECK(Quoted("plain") == "plain");
  CHECK(Quoted("") == "");
  CHECK(Quoted("a,b") == "\"a,b\"");
  CHECK(Quoted("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(Quoted("line1\nline2") == "\"line1\nline2\"");
  CHECK(Quoted("cr\rhere") == "\"cr\rhere\"");
  CHECK(Quoted("\"") == "\"\"\"\"");
  // UTF-8 passes through byte for byte, unquoted.
  CHECK(Quoted("María José 東京") == "María José 東京");
  CHECK(Quoted("Muñoz, José") == "\"Muñoz, José\"");
  // Every byte value: only the four specials force quotes.
  for (int b = 1; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    const bool special = b == ',' || b == '"' || b == '\r' || b == '\n';
    CHECK((Quoted(one).front() == '"') == special);
  }
}

TEST_CASE("CSV cells a spreadsheet would run as formulas are neutralised; numbers stay numbers", "[export]") {
  CHECK(Quoted("=1+1") == "'=1+1");
  CHECK(Quoted("=HYPERLINK(\"http://evil.example\",\"Invoice\")") ==
        "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Invoice\"\")\"");
  CHECK(Quoted("@SUM(A1:A9)") == "'@SUM(A1:A9)");
  CHECK(Quoted("+1+cmd|' /C calc'!A0") == "'+1+cmd|' /C calc'!A0");
  CHECK(Quoted("-2+3") == "'-2+3");
  CHECK(Quoted("\t=1") == "'\t=1");
  CHECK(Quoted("\r=1") == "\"'\r=1\"");  // CR also forces quotes
  CHECK(Quoted("-") == "'-");
  CHECK(Quoted("+") == "'+");
  // Numbers, signed or not, and phone numbers stay as they are.
  for (const char* number : {"-0.50", "+34911234567", "0034911234567", "12.5", "-7", "+0.10"}) {
    INFO(number);
    CHECK(Quoted(number) == number);
    CHECK_FALSE(IsFormulaTrigger(number));
  }
  CHECK(IsFormulaTrigger("-1."));  // not a plain number
  CHECK(IsFormulaTrigger("+1e5"));
  CHECK_FALSE(IsFormulaTrigger("1+1"));  // only the first character counts
  CHECK_FALSE(IsFormulaTrigger(""));
}

TEST_CASE("CSV rows end with CRLF and reach the sink in chunks", "[export]") {
  std::string out;
  size_t calls = 0;
  size_t largest = 0;
  CsvWriter csv([&](std::string_view chunk) {
    ++calls;
    largest = std::max(largest, chunk.size());
    out.append(chunk);
    return base::Status();
  });
  csv.Field("a");
  csv.Field("b,c");
  REQUIRE(csv.EndRow().ok());
  CHECK(calls == 0);  // buffered until a chunk is full
  REQUIRE(csv.Flush().ok());
  CHECK(out == "a,\"b,c\"\r\n");

  out.clear();
  const std::string field(1000, 'x');
  for (int i = 0; i < 1000; ++i) {
    csv.Field(field);
    REQUIRE(csv.EndRow().ok());
  }
  REQUIRE(csv.Flush().ok());
  CHECK(out.size() == 1000 * 1002);
  CHECK(calls > 10);
  // Memory stays bounded: no chunk much larger than kChunkBytes.
  CHECK(largest < CsvWriter::kChunkBytes + 2048);
}

TEST_CASE("unquoted fields take their place between quoted ones", "[export]") {
  std::string out;
  CsvWriter csv([&](std::string_view chunk) {
    out.append(chunk);
    return base::Status();
  });
  csv.UnquotedField() += "12.5000";
  csv.Field("a,b");
  csv.UnquotedField();  // an empty field still counts
  csv.UnquotedField().append("2026-11-22T10:00:00+01:00");
  REQUIRE(csv.EndRow().ok());
  csv.UnquotedField() += "x";
  REQUIRE(csv.EndRow().ok());
  REQUIRE(csv.Flush().ok());
  CHECK(out == "12.5000,\"a,b\",,2026-11-22T10:00:00+01:00\r\nx\r\n");
}

TEST_CASE("a failing sink stops the CSV writer for good", "[export]") {
  int calls = 0;
  CsvWriter csv([&](std::string_view) {
    ++calls;
    return base::Unavailable("disk full");
  });
  csv.Field("x");
  REQUIRE(csv.EndRow().ok());
  const base::Status first = csv.Flush();
  CHECK(first.message() == "disk full");
  csv.Field("y");
  (void)csv.EndRow();
  CHECK(csv.Flush().message() == "disk full");
  CHECK(calls == 1);
}

}  // namespace
}  // namespace tarifador::exports
