// `tarifador cdr prune [--dry-run]` and the service's retention pass
// (docs/OPERATIONS.md "CDR retention") on real store files: counts as JSON on
// stdout, talk on stderr, nothing pruned unless retention.cdr_days is set and
// a scheduled export covers the CDR.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cdr_retention_service.h"
#include "http/metrics_registry.h"
#include "store/billing_repository.h"
#include "store/export_log.h"
#include "store/read_pool.h"
#include "store/writer.h"
#include "test_support/cli_run.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

constexpr int64_t kDayUs = 86'400LL * 1'000'000;

billing::Cdr InternalCall(std::string uuid, int64_t start_us) {
  billing::Cdr c;
  c.uuid.value = std::move(uuid);
  c.direction = billing::Direction::kInternal;
  c.caller = "1001";
  c.destination = "1002";
  c.start_us = start_us;
  c.answer_us = c.start_us + 2'000'000;
  c.end_us = c.start_us + 32'000'000;
  c.duration_s = 32;
  c.billsec = 30;
  c.billusec = 30'000'000;
  c.hangup_cause = "NORMAL_CLEARING";
  c.disposition = billing::Disposition::kAnswered;
  return c;
}

// A store with CDRs 60 days old ("old-1", "old-2": in a daily file; "old-3":
// its day's export failed) and one from yesterday, relative to `now`. No
// monthly file was made: the default config turns export.monthly off.
struct PruneStore {
  test_support::TempDir dir;
  std::string cfg_path = dir.path() + "/tarifador.json";
  std::string data_dir = dir.path() + "/data";
  std::string store_path = data_dir + "/tarifador.db";
  base::Instant now;

  explicit PruneStore(nlohmann::json extra = {{"retention", {{"cdr_days", 30}}}, {"export", {{"monthly", false}}}},
                      base::Instant now_in = base::SystemClock().Now())
      : now(now_in) {
    nlohmann::json cfg = {{"data_dir", data_dir}};
    cfg.update(extra);
    std::ofstream(cfg_path) << cfg.dump();
    std::filesystem::create_directories(data_dir);
    auto writer = store::Writer::Start(store_path);
    REQUIRE(writer.ok());
    store::ReadPool reads(store_path);
    store::BillingRepository repo(**writer, reads);
    const int64_t old = now.micros() - 60 * kDayUs;
    for (auto [uuid, start] : {std::pair{"old-1", old}, std::pair{"old-2", old + 60'000'000},
                               std::pair{"old-3", old + 2 * kDayUs}, std::pair{"young", now.micros() - kDayUs}}) {
      REQUIRE(repo.BillCall(InternalCall(uuid, start), base::Instant::FromMicros(start + 60'000'000)).ok());
    }
    auto log = store::ExportLog::Open(store_path);
    REQUIRE(log.ok());
    for (auto [from, status] :
         {std::pair{old - int64_t{3'600'000'000}, "ok"}, std::pair{old + 2 * kDayUs - 1, "failed"}}) {
      store::ExportRun run;
      run.kind = "daily";
      run.period = std::string("p").append(std::to_string(from));
      run.file = "/x.csv";
      run.from = base::Instant::FromMicros(from);
      run.to = base::Instant::FromMicros(from + kDayUs);
      run.status = status;
      run.started_at = base::Instant::FromMicros(from + kDayUs + 600'000'000);
      run.finished_at = run.started_at;
      REQUIRE((*log)->Record(run).ok());
    }
    (*writer)->Shutdown();
  }
  int64_t Cdrs() {
    SQLite::Database db(store_path, SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM cdrs").getInt64();
  }
  test_support::CliRun Prune(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {"cdr", "prune", "--config", cfg_path};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return test_support::Cli(argv);
  }
};

}  // namespace

TEST_CASE("cdr prune prunes old exported CDRs and prints the counts", "[app][retention]") {
  PruneStore s;
  test_support::CliRun dry = s.Prune({"--dry-run"});
  INFO(dry.err);
  REQUIRE(dry.code == 0);
  nlohmann::json j = nlohmann::json::parse(dry.out);
  CHECK(j["dry_run"] == true);
  CHECK(j["active"] == true);
  CHECK(j["cdr_days"] == 30);
  CHECK(j["pruned"] == 2);
  CHECK(j["kept_not_exported"] == 1);
  CHECK(s.Cdrs() == 4);  // the dry run changed nothing

  test_support::CliRun run = s.Prune();
  INFO(run.err);
  REQUIRE(run.code == 0);
  j = nlohmann::json::parse(run.out);
  CHECK(j["dry_run"] == false);
  CHECK(j["pruned"] == 2);
  CHECK(j["kept_not_exported"] == 1);
  CHECK(j["kept_not_mirrored"] == 0);
  CHECK(j["mirror_enabled"] == false);
  CHECK(j["cutoff"].is_string());
  CHECK(run.err.find("pruned 2 CDRs") != std::string::npos);
  CHECK(s.Cdrs() == 2);

  // Idempotent, and the store still checks out.
  j = nlohmann::json::parse(s.Prune().out);
  CHECK(j["pruned"] == 0);
  test_support::CliRun check = test_support::Cli({"check", "--config", s.cfg_path});
  INFO(check.out);
  CHECK(check.code == 0);
}

TEST_CASE("cdr prune prunes nothing when retention is off", "[app][retention]") {
  SECTION("cdr_days is 0 (the default)") {
    PruneStore s(nlohmann::json::object());
    test_support::CliRun run = s.Prune();
    REQUIRE(run.code == 0);
    const nlohmann::json j = nlohmann::json::parse(run.out);
    CHECK(j["active"] == false);
    CHECK(j["cdr_days"] == 0);
    CHECK(j["pruned"] == 0);
    CHECK(j["reason"].get<std::string>().find("cdr_days is 0") != std::string::npos);
    CHECK(s.Cdrs() == 4);
  }
  SECTION("no scheduled export") {
    PruneStore s({{"retention", {{"cdr_days", 30}}}, {"export", {{"daily", false}, {"monthly", false}}}});
    test_support::CliRun run = s.Prune();
    REQUIRE(run.code == 0);
    const nlohmann::json j = nlohmann::json::parse(run.out);
    CHECK(j["active"] == false);
    CHECK(j["reason"].get<std::string>().find("export") != std::string::npos);
    CHECK(s.Cdrs() == 4);
  }
}

TEST_CASE("cdr prune with the monthly export on also needs the monthly file", "[app][retention]") {
  PruneStore s({{"retention", {{"cdr_days", 30}}}, {"export", {{"monthly", true}}}});
  const nlohmann::json j = nlohmann::json::parse(s.Prune().out);
  CHECK(j["pruned"] == 0);
  CHECK(j["kept_not_exported"] == 3);
  CHECK(s.Cdrs() == 4);
}

TEST_CASE("cdr prune refuses bad input and a missing store", "[app][retention]") {
  PruneStore s;
  CHECK(s.Prune({"--force"}).code == 2);
  test_support::TempDir empty;
  const std::string cfg = empty.path() + "/c.json";
  std::ofstream(cfg) << R"({"data_dir": ")" << empty.path() << R"(/none", "retention": {"cdr_days": 5}})";
  test_support::CliRun run = test_support::Cli({"cdr", "prune", "--config", cfg});
  CHECK(run.code == 1);
  CHECK(run.err.find("does not exist") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(empty.path() + "/none/tarifador.db"));
  std::ofstream(cfg) << R"({"data_dir": ")" << empty.path() << R"(", "retention": {"cdr_days": -1}})";
  CHECK(test_support::Cli({"cdr", "prune", "--config", cfg}).code != 0);
}

TEST_CASE("The retention service prunes, reports and counts", "[app][retention]") {
  const base::Instant t0 = base::Instant::FromSeconds(1'790'000'000);
  PruneStore s({{"retention", {{"cdr_days", 30}}}, {"export", {{"monthly", false}}}}, t0);
  config::Config cfg;
  cfg.data_dir = s.data_dir;
  cfg.retention.cdr_days = 30;
  cfg.export_.monthly = false;
  base::FakeClock clock(t0);
  http::MetricsRegistry metrics;
  auto writer = store::Writer::Start(s.store_path);
  REQUIRE(writer.ok());
  {
    // Built directly (no thread): RunPass is the thread's pass.
    config::Config off = cfg;
    off.retention.cdr_days = 0;
    auto idle = app::RetentionService::Start(off, **writer, clock, metrics);
    CHECK_FALSE(idle->info().active);
    CHECK(idle->RunPass().status().code() == base::StatusCode::kFailedPrecondition);
  }
  http::Counter& counter = metrics.AddCounter("tarifador_cdrs_pruned_total", "");
  app::RetentionService svc(cfg, **writer, clock, counter);
  auto r = svc.RunPass();
  REQUIRE(r.ok());
  CHECK(r->pruned == 2);
  const http::RetentionInfo info = svc.info();
  CHECK(info.active);
  CHECK(info.cdr_days == 30);
  CHECK(info.last_run_at == t0);
  CHECK(info.next_run_at == base::Instant::FromMicros(t0.micros() + kDayUs));
  CHECK(info.last_pruned == 2);
  CHECK(info.last_kept_not_exported == 1);
  CHECK(info.pruned_total == 2);
  CHECK(metrics.Render().find("tarifador_cdrs_pruned_total 2") != std::string::npos);
  // A day later, the young CDR is still young and nothing else qualifies.
  clock.Set(base::Instant::FromMicros(t0.micros() + kDayUs));
  r = svc.RunPass();
  REQUIRE(r.ok());
  CHECK(r->pruned == 0);
  CHECK(svc.info().pruned_total == 2);
  (*writer)->Shutdown();
}
