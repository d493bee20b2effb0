// `tarifador cdr export --from DATE --to DATE [--out FILE]` (SPEC section 10):
// CSV on stdout (talk on stderr) or atomically into FILE, local dates in the
// office time zone, `--to` exclusive, bad input refused with exit code 2.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "base/local_time.h"
#include "store/billing_repository.h"
#include "store/read_pool.h"
#include "store/writer.h"
#include "test_support/cli_run.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

billing::Cdr InternalCall(std::string uuid, std::string_view start_iso, std::string name) {
  billing::Cdr c;
  c.uuid.value = std::move(uuid);
  c.direction = billing::Direction::kInternal;
  c.caller = "1001";
  c.caller_name = std::move(name);
  c.destination = "1002";
  c.start_us = base::ParseIso8601(start_iso)->micros();
  c.answer_us = c.start_us + 2'000'000;
  c.end_us = c.start_us + 32'000'000;
  c.duration_s = 32;
  c.billsec = 30;
  c.billusec = 30'000'000;
  c.hangup_cause = "NORMAL_CLEARING";
  c.disposition = billing::Disposition::kAnswered;
  return c;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct ExportStore {
  test_support::TempDir dir;
  std::string cfg_path = dir.path() + "/tarifador.json";
  std::string data_dir = dir.path() + "/data";
  explicit ExportStore(nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json cfg = {{"data_dir", data_dir}, {"time_zone", "Europe/Madrid"}};
    cfg.update(extra);
    std::ofstream(cfg_path) << cfg.dump();
    std::filesystem::create_directories(data_dir);
    const std::string store_path = data_dir + "/tarifador.db";
    auto writer = store::Writer::Start(store_path);
    REQUIRE(writer.ok());
    store::ReadPool reads(store_path);
    store::BillingRepository repo(**writer, reads);
    const base::Instant at = base::Instant::FromSeconds(1'800'000'000);
    // 2026-03-28 23:30 local (22:30Z), the DST day's 00:30 and 23:30 local, the next day.
    REQUIRE(repo.BillCall(InternalCall("before", "2026-03-28T22:30:00Z", "Ana"), at).ok());
    REQUIRE(repo.BillCall(InternalCall("first", "2026-03-28T23:30:00Z", "Muñoz, José"), at).ok());
    REQUIRE(repo.BillCall(InternalCall("last", "2026-03-29T21:30:00Z", "say \"hi\""), at).ok());
    REQUIRE(repo.BillCall(InternalCall("after", "2026-03-29T22:00:00Z", "Bea"), at).ok());
    (*writer)->Shutdown();
  }
  ~ExportStore() { (void)base::SetOfficeTimeZone("UTC"); }
};

}  // namespace

TEST_CASE("cdr export writes a local day's CDRs as CSV to stdout", "[app][export]") {
  ExportStore s;
  test_support::CliRun run =
      test_support::Cli({"cdr", "export", "--config", s.cfg_path, "--from", "2026-03-29", "--to", "2026-03-30"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK(run.out.rfind("uuid,linked_uuids,site_id,direction,", 0) == 0);
  CHECK(run.out.find("\r\nbefore,") == std::string::npos);
  CHECK(run.out.find("\r\nafter,") == std::string::npos);
  const size_t first = run.out.find("\r\nfirst,");
  const size_t last = run.out.find("\r\nlast,");
  REQUIRE(first != std::string::npos);
  REQUIRE(last != std::string::npos);
  CHECK(first < last);
  CHECK(run.out.find("\"Muñoz, José\"") != std::string::npos);
  CHECK(run.out.find("\"say \"\"hi\"\"\"") != std::string::npos);
  CHECK(run.out.find("2026-03-29T00:30:00+01:00") != std::string::npos);  // office time, CET
  CHECK(run.out.find("2026-03-29T23:30:00+02:00") != std::string::npos);  // after the change, CEST
  CHECK(run.err.find("exported 2 CDRs") != std::string::npos);
}

TEST_CASE("cdr export --out writes the same bytes into a file", "[app][export]") {
  ExportStore s(nlohmann::json{{"export", {{"columns", "uuid,start_time,caller_name"}, {"time_zone", "UTC"}}}});
  test_support::CliRun to_stdout =
      test_support::Cli({"cdr", "export", "--config", s.cfg_path, "--from", "2026-03-29", "--to", "2026-03-30"});
  REQUIRE(to_stdout.code == 0);
  CHECK(to_stdout.out ==
        "uuid,start_time,caller_name\r\n"
        "first,2026-03-28T23:30:00Z,\"Muñoz, José\"\r\n"
        "last,2026-03-29T21:30:00Z,\"say \"\"hi\"\"\"\r\n");
  const std::string out = s.dir.path() + "/march.csv";
  test_support::CliRun to_file = test_support::Cli(
      {"cdr", "export", "--config", s.cfg_path, "--from", "2026-03-29", "--to", "2026-03-30", "--out", out});
  INFO(to_file.err);
  REQUIRE(to_file.code == 0);
  CHECK(to_file.out.empty());  // data went to the file
  CHECK(ReadFile(out) == to_stdout.out);
  CHECK(to_file.err.find("sha256 ") != std::string::npos);
}

TEST_CASE("cdr export refuses bad arguments and config, changing nothing", "[app][export]") {
  ExportStore s;
  const auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"cdr", "export", "--config", s.cfg_path};
    argv.insert(argv.end(), args.begin(), args.end());
    return test_support::Cli(argv);
  };
  CHECK(run({"--from", "2026-03-29"}).code == 2);
  test_support::CliRun bad_date = run({"--from", "2026-02-30", "--to", "2026-03-01"});
  CHECK(bad_date.code == 2);
  CHECK(bad_date.err.find("--from") != std::string::npos);
  test_support::CliRun backwards = run({"--from", "2026-03-30", "--to", "2026-03-29"});
  CHECK(backwards.code == 2);
  CHECK(backwards.err.find("must be after") != std::string::npos);
  const std::string out = s.dir.path() + "/x.csv";
  CHECK(run({"--from", "2026-03-29", "--to", "2026-03-30", "--out", s.dir.path() + "/no/such/dir/x.csv"}).code == 1);
  CHECK(!std::filesystem::exists(out));

  ExportStore unknown(nlohmann::json{{"export", {{"columns", "uuid,price"}}}});
  test_support::CliRun bad_column =
      test_support::Cli({"cdr", "export", "--config", unknown.cfg_path, "--from", "2026-03-29", "--to", "2026-03-30"});
  CHECK(bad_column.code == 1);
  CHECK(bad_column.err.find("unknown column \"price\"") != std::string::npos);
  CHECK(bad_column.out.empty());

  ExportStore bad_zone(nlohmann::json{{"time_zone", "Mars/Olympus"}});
  test_support::CliRun zone =
      test_support::Cli({"cdr", "export", "--config", bad_zone.cfg_path, "--from", "2026-03-29", "--to", "2026-03-30"});
  CHECK(zone.code == 1);
  CHECK(zone.err.find("Mars/Olympus") != std::string::npos);
}
