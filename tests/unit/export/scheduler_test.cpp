#include "export/scheduler.h"

#include <sodium.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "base/local_time.h"
#include "export/atomic_file.h"
#include "export/period_export.h"
#include "memory_source.h"
#include "test_support/temp_dir.h"

namespace tarifador::exports {
namespace {

namespace fs = std::filesystem;
using testing::MemorySource;
using testing::SampleCdr;

base::Instant At(std::string_view iso) { return *base::ParseIso8601(iso); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> FilesIn(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

std::string SodiumSha256Hex(const std::string& bytes) {
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, d, sizeof d);
  return hex;
}

struct Fixture {
  Fixture() {
    REQUIRE(base::SetOfficeTimeZone("Europe/Madrid").ok());
    auto opened = store::ExportLog::Open(tmp.path() + "/tarifador.db");
    REQUIRE(opened.ok());
    log = std::move(*opened);
    options.dir = tmp.path() + "/exports";
  }
  ~Fixture() { (void)base::SetOfficeTimeZone("UTC"); }
  int CountRuns(const std::string& kind, const std::string& period, const std::string& status = "ok") {
    base::Result<std::vector<store::ExportRun>> runs = log->Latest(10000);
    REQUIRE(runs.ok());
    int n = 0;
    for (const auto& r : *runs) n += r.kind == kind && r.period == period && r.status == status;
    return n;
  }
  test_support::TempDir tmp;
  std::unique_ptr<store::ExportLog> log;
  MemorySource source;
  base::FakeClock clock{At("2026-03-28T11:00:00Z")};
  SchedulerOptions options;
};

TEST_CASE("SHA-256 through libsodium matches the FIPS 180-2 vector", "[export]") {
  Sha256 sha;
  sha.Update("a");
  sha.Update("bc");
  CHECK(sha.FinishHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("periods are local days and months; DST days are 23 and 25 hours", "[export]") {
  REQUIRE(base::SetOfficeTimeZone("Europe/Madrid").ok());
  const Period spring{PeriodKind::kDaily, 2026, 3, 29};
  CHECK(*PeriodStart(spring) == At("2026-03-28T23:00:00Z"));
  CHECK(*PeriodEnd(spring) == At("2026-03-29T22:00:00Z"));
  const Period autumn{PeriodKind::kDaily, 2026, 10, 25};
  CHECK(PeriodEnd(autumn)->micros() - PeriodStart(autumn)->micros() == 25LL * 3600 * 1'000'000);
  const Period march{PeriodKind::kMonthly, 2026, 3, 1};
  CHECK(*PeriodStart(march) == At("2026-02-28T23:00:00Z"));
  CHECK(*PeriodEnd(march) == At("2026-03-31T22:00:00Z"));
  CHECK(PeriodContaining(PeriodKind::kDaily, At("2026-03-28T23:30:00Z")) == spring);
  CHECK(NextPeriod(Period{PeriodKind::kDaily, 2026, 12, 31}) == Period{PeriodKind::kDaily, 2027, 1, 1});
  CHECK(NextPeriod(Period{PeriodKind::kDaily, 2028, 2, 28}).day == 29);
  CHECK(NextPeriod(march).Key() == "2026-04");
  CHECK(spring.FileName() == "cdrs-2026-03-29.csv");
  CHECK(!ParseDay("2026-02-30").ok());
  CHECK(!ParseDay("2026-2-3").ok());
  CHECK(ParseDay("2026-02-28")->day == 28);
  REQUIRE(base::SetOfficeTimeZone("UTC").ok());
}

TEST_CASE("a closed day is exported only after the grace", "[export]") {
  Fixture f;
  f.source.Add(SampleCdr("a", At("2026-03-27T10:00:00Z").micros()));
  f.clock.Set(At("2026-03-27T23:03:00Z"));  // 00:03 local on the 28th: within the 5-minute grace
  ExportScheduler scheduler(f.source, *f.log, f.clock, f.options);
  REQUIRE(*scheduler.RunPass() == 0);
  CHECK(!fs::exists(f.options.dir + "/cdrs-2026-03-27.csv"));
  REQUIRE(scheduler.state().next_due.has_value());
  CHECK(*scheduler.state().next_due == At("2026-03-27T23:05:00Z"));
  f.clock.Set(At("2026-03-27T23:05:00Z"));
  REQUIRE(*scheduler.RunPass() == 1);
  CHECK(fs::exists(f.options.dir + "/cdrs-2026-03-27.csv"));
  CHECK(*scheduler.RunPass() == 0);  // done once
}

TEST_CASE("a day waits for a call of it that is still up", "[export]") {
  Fixture f;
  f.source.Add(SampleCdr("a", At("2026-03-27T10:00:00Z").micros()));
  std::optional<base::Instant> open_call = At("2026-03-27T22:50:00Z");  // 23:50 local, still talking
  f.options.oldest_open_call = [&] { return open_call; };
  f.clock.Set(At("2026-03-27T23:30:00Z"));
  ExportScheduler scheduler(f.source, *f.log, f.clock, f.options);
  CHECK(*scheduler.RunPass() == 0);
  open_call.reset();  // it hung up
  CHECK(*scheduler.RunPass() == 1);
}

TEST_CASE("power-off: every missed day and month is made once at the next start", "[export]") {
  Fixture f;
  f.source.Add(SampleCdr("first", At("2026-03-27T10:00:00Z").micros()));
  f.source.Add(SampleCdr("dst", At("2026-03-29T08:00:00Z").micros()));
  f.source.Add(SampleCdr("april", At("2026-04-02T08:00:00Z").micros()));
  {
    ExportScheduler scheduler(f.source, *f.log, f.clock, f.options);
    scheduler.Start();
    scheduler.WaitForPasses(1);
    scheduler.Stop();
    CHECK(scheduler.state().last_error.empty());
  }
  CHECK(FilesIn(f.options.dir) == std::set<std::string>{"cdrs-2026-03-27.csv", "cdrs-2026-03-27.csv.manifest.json"});

  // The box is off for a week; it comes back on 2026-04-05.
  f.clock.Set(At("2026-04-05T10:00:00Z"));
  ExportScheduler scheduler(f.source, *f.log, f.clock, f.options);
  scheduler.Start();
  scheduler.WaitForPasses(1);
  scheduler.Stop();
  CHECK(scheduler.state().last_error.empty());
  for (const char* day : {"2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31", "2026-04-01",
                          "2026-04-02", "2026-04-03", "2026-04-04"}) {
    INFO(day);
    CHECK(fs::exists(f.options.dir + "/cdrs-" + day + ".csv"));
    CHECK(f.CountRuns("daily", day) == 1);
  }
  CHECK(!fs::exists(f.options.dir + "/cdrs-2026-04-05.csv"));  // today is not over
  CHECK(f.CountRuns("monthly", "2026-03") == 1);
  CHECK(!fs::exists(f.options.dir + "/cdrs-2026-04.csv"));
  CHECK(f.log->Latest(1000)->size() == 10);  // 9 days and 1 month, nothing twice

  const std::string dst = ReadFile(f.options.dir + "/cdrs-2026-03-29.csv");
  CHECK_THAT(dst, Catch::Contains("\r\ndst,"));
  CHECK_THAT(dst, Catch::Contains("2026-03-29T10:00:00+02:00"));
  const std::string month = ReadFile(f.options.dir + "/cdrs-2026-03.csv");
  CHECK_THAT(month, Catch::Contains("\r\nfirst,"));
  CHECK_THAT(month, Catch::Contains("\r\ndst,"));
  CHECK(month.find("april") == std::string::npos);
}

TEST_CASE("re-running a period gives the same bytes; the manifest's SHA-256 is the file's", "[export]") {
  Fixture f;
  f.source.Add(SampleCdr("b", At("2026-03-29T08:00:00Z").micros()));
  f.source.Add(SampleCdr("a", At("2026-03-29T08:00:00Z").micros()));  // same start: uuid order
  fs::create_directories(f.options.dir);
  const Period day{PeriodKind::kDaily, 2026, 3, 29};
  base::Result<PeriodFile> first = ExportPeriod(f.source, day, f.options.dir, CsvOptions{}, At("2026-04-01T00:00:00Z"));
  REQUIRE(first.ok());
  const std::string bytes = ReadFile(first->path);
  base::Result<PeriodFile> again = ExportPeriod(f.source, day, f.options.dir, CsvOptions{}, At("2026-05-01T00:00:00Z"));
  REQUIRE(again.ok());
  CHECK(ReadFile(again->path) == bytes);
  CHECK(again->sha256 == first->sha256);
  CHECK(bytes.find("\r\na,") < bytes.find("\r\nb,"));

  const nlohmann::json m = nlohmann::json::parse(ReadFile(f.options.dir + "/cdrs-2026-03-29.csv.manifest.json"));
  CHECK(m["sha256"] == SodiumSha256Hex(bytes));
  CHECK(m["rows"] == 2);
  CHECK(m["bytes"] == bytes.size());
  CHECK(m["period"] == "2026-03-29");
  CHECK(m["kind"] == "daily");
  CHECK(m["from"] == "2026-03-28T23:00:00Z");
  CHECK(m["to"] == "2026-03-29T22:00:00Z");
  CHECK(m["time_zone"] == "Europe/Madrid");
  CHECK(m["generated_at"] == "2026-05-01T00:00:00Z");
  CHECK(m["columns"].size() == 30);
}

TEST_CASE("a failed export leaves no temp file and keeps the older file", "[export]") {
  Fixture f;
  f.source.Add(SampleCdr("a", At("2026-03-27T10:00:00Z").micros()));
  fs::create_directories(f.options.dir);
  const Period day{PeriodKind::kDaily, 2026, 3, 27};
  REQUIRE(ExportPeriod(f.source, day, f.options.dir, CsvOptions{}, f.clock.Now()).ok());
  const std::string before = ReadFile(f.options.dir + "/cdrs-2026-03-27.csv");
  const std::set<std::string> files = FilesIn(f.options.dir);

  f.source.FailWith(base::Unavailable("store went away"));
  base::Result<PeriodFile> failed = ExportPeriod(f.source, day, f.options.dir, CsvOptions{}, f.clock.Now());
  REQUIRE(!failed.ok());
  CHECK(failed.status().message() == "store went away");
  CHECK(FilesIn(f.options.dir) == files);  // no *.tmp-* left
  CHECK(ReadFile(f.options.dir + "/cdrs-2026-03-27.csv") == before);
}

TEST_CASE("the scheduler records a failed run and retries the period", "[export]") {
  Fixture f;
  f.source.Add(SampleCdr("a", At("2026-03-27T10:00:00Z").micros()));
  f.source.FailWith(base::Unavailable("store went away"));
  ExportScheduler scheduler(f.source, *f.log, f.clock, f.options);
  base::Result<int> pass = scheduler.RunPass();
  REQUIRE(!pass.ok());
  CHECK_THAT(pass.status().message(), Catch::Contains("cdrs-2026-03-27.csv"));
  CHECK_THAT(scheduler.state().last_error, Catch::Contains("store went away"));
  CHECK(f.CountRuns("daily", "2026-03-27", "failed") == 1);
  CHECK(FilesIn(f.options.dir).empty());

  f.source.FailWith(base::Status());
  REQUIRE(*scheduler.RunPass() == 1);
  CHECK(f.CountRuns("daily", "2026-03-27") == 1);
  CHECK(scheduler.state().last_error.empty());
}

TEST_CASE("an export.dir that cannot be made is a clear failure", "[export]") {
  Fixture f;
  f.source.Add(SampleCdr("a", At("2026-03-27T10:00:00Z").micros()));
  std::ofstream(f.tmp.path() + "/file") << "x";
  f.options.dir = f.tmp.path() + "/file/exports";
  ExportScheduler scheduler(f.source, *f.log, f.clock, f.options);
  base::Result<int> pass = scheduler.RunPass();
  REQUIRE(!pass.ok());
  CHECK_THAT(pass.status().message(), Catch::Contains("export.dir"));
}

TEST_CASE("daily and monthly can be switched off", "[export]") {
  Fixture f;
  f.source.Add(SampleCdr("a", At("2026-02-27T10:00:00Z").micros()));
  f.options.daily = false;
  ExportScheduler scheduler(f.source, *f.log, f.clock, f.options);
  REQUIRE(*scheduler.RunPass() == 1);
  CHECK(FilesIn(f.options.dir) == std::set<std::string>{"cdrs-2026-02.csv", "cdrs-2026-02.csv.manifest.json"});
}

}  // namespace
}  // namespace tarifador::exports
