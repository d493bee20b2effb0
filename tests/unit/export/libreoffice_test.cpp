// An exported file opens in a real spreadsheet: LibreOffice Calc (headless)
// converts it to .xlsx and back to CSV, and every row and tricky field
// (commas, quotes, line breaks, UTF-8) survives. Skipped with a message when
// soffice is not installed (scripts/install-deps.sh installs
// libreoffice-calc-nogui).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/csv_reader.h"
#include "base/local_time.h"
#include "export/cdr_csv.h"
#include "memory_source.h"
#include "test_support/prerequisite.h"
#include "test_support/temp_dir.h"

namespace tarifador::exports {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::vector<std::string>> Parse(const std::string& text) {
  base::CsvReader reader(text);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  while (true) {
    base::Result<bool> more = reader.Next(fields);
    REQUIRE(more.ok());
    if (!*more) break;
    rows.push_back(fields);
  }
  return rows;
}

bool HaveSoffice() { return std::system("command -v soffice >/dev/null 2>&1") == 0; }

TEST_CASE("LibreOffice Calc reads an exported file row for row", "[export][.slow]") {
  if (!HaveSoffice()) {
    TARIFADOR_MISSING_PREREQUISITE("soffice not found: the LibreOffice round trip needs libreoffice-calc-nogui");
  }
  REQUIRE(base::SetOfficeTimeZone("UTC").ok());
  test_support::TempDir tmp;
  testing::MemorySource source;
  // Caller names are the outside caller's to choose: formulas included.
  const char* names[] = {"Muñoz, José",
                         "say \"hi\"",
                         "two\r\nlines",
                         "東京 office",
                         "plain",
                         "=1+1",
                         "=HYPERLINK(\"http://evil.example\",\"Invoice\")"};
  for (int i = 0; i < 210; ++i) {
    billing::Cdr c = testing::SampleCdr("uuid-" + std::to_string(1000 + i), 1'790'000'000'000'000LL + i * 60'000'000LL);
    c.caller_name = names[i % 7];
    source.Add(c);
  }
  CsvOptions options;
  options.columns = *ParseColumns("uuid,caller_name,zone,cost,start_time");
  options.times = TimeMode::kUtc;
  std::ofstream file(tmp.path() + "/cdrs.csv", std::ios::binary);
  const CdrWalk walk = [&](const CdrVisitor& v) {
    return source.ForEachStartedIn(base::Instant::FromMicros(0), base::Instant::FromMicros(INT64_MAX), v);
  };
  REQUIRE(WriteCdrCsv(walk, options, [&](std::string_view chunk) {
            file.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            return base::Status();
          }).ok());
  file.close();

  // Its own profile directory, so a desktop session's soffice does not get the job.
  const std::string soffice = "soffice -env:UserInstallation=file://" + tmp.path() + "/profile --headless ";
  const std::string to_xlsx = soffice + "--infilter=CSV:44,34,76,1 --convert-to xlsx --outdir " + tmp.path() +
                              "/xlsx " + tmp.path() + "/cdrs.csv >/dev/null 2>&1";
  REQUIRE(std::system(to_xlsx.c_str()) == 0);
  REQUIRE(fs::exists(tmp.path() + "/xlsx/cdrs.xlsx"));
  const std::string back = soffice + "--convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1' --outdir " +
                           tmp.path() + "/back " + tmp.path() + "/xlsx/cdrs.xlsx >/dev/null 2>&1";
  REQUIRE(std::system(back.c_str()) == 0);

  const auto original = Parse(ReadFile(tmp.path() + "/cdrs.csv"));
  const auto round_trip = Parse(ReadFile(tmp.path() + "/back/cdrs.csv"));
  REQUIRE(original.size() == 211);
  REQUIRE(round_trip.size() == original.size());
  for (size_t i = 0; i < original.size(); ++i) {
    INFO("row " << i);
    REQUIRE(round_trip[i].size() == 5);
    CHECK(round_trip[i][0] == original[i][0]);  // uuid
    // Calc writes a line break inside a cell as LF.
    std::string name = original[i][1];
    if (const size_t cr = name.find("\r\n"); cr != std::string::npos) name.erase(cr, 1);
    CHECK(round_trip[i][1] == name);
    CHECK(round_trip[i][2] == original[i][2]);  // zone
  }
  // Calc ran no formula: "=1+1" would have come back as 2, the HYPERLINK as
  // its label. The neutralised cells come back as the text written.
  CHECK(round_trip[6][1] == "'=1+1");
  CHECK(round_trip[7][1] == "'=HYPERLINK(\"http://evil.example\",\"Invoice\")");
}

}  // namespace
}  // namespace tarifador::exports
