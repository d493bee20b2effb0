#include "store/cdr_retention.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "store/check.h"
#include "store/export_log.h"
#include "store/outbox_store.h"
#include "unit/store/cdr_fixtures.h"

using namespace tarifador;
using store::testing::MakeCdr;

namespace {

constexpr int64_t kDay = 86'400;
const base::Instant kNow = base::Instant::FromSeconds(1'790'000'000);
constexpr int64_t kOldStart = 1'790'000'000 - 60 * kDay;  // 60 days ago
constexpr int64_t kYoungStart = 1'790'000'000 - 2 * kDay;

struct RetentionStore : store::testing::CdrStore {
  std::unique_ptr<store::ExportLog> log;
  RetentionStore() {
    auto l = store::ExportLog::Open(path);
    REQUIRE(l.ok());
    log = std::move(*l);
  }
  // Bills `cdr` two minutes after it started (its CDR row's billed_us).
  void BillAt(const billing::Cdr& cdr) {
    auto r = repo->BillCall(cdr, base::Instant::FromMicros(cdr.start_us + 120'000'000));
    INFO(r.status().message());
    REQUIRE(r.ok());
  }
  // An export run of `kind` over [from_s, to_s), made ten minutes after it closed.
  void Exported(const std::string& kind, int64_t from_s, int64_t to_s, const std::string& status = "ok") {
    store::ExportRun run;
    run.kind = kind;
    run.period = kind + "-" + std::to_string(from_s);
    run.file = "/tmp/x.csv";
    run.from = base::Instant::FromSeconds(from_s);
    run.to = base::Instant::FromSeconds(to_s);
    run.status = status;
    run.started_at = base::Instant::FromSeconds(to_s + 600);
    run.finished_at = run.started_at;
    REQUIRE(log->Record(run).ok());
  }
  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    REQUIRE(writer
                ->Run([&](SQLite::Database& db) {
                  n = db.execAndGet(sql).getInt64();
                  return base::Status::Ok();
                })
                .ok());
    return n;
  }
  bool HasCdr(const std::string& uuid) { return Count("SELECT count(*) FROM cdrs WHERE uuid = '" + uuid + "'") == 1; }
};

store::RetentionOptions Options(std::vector<std::string> kinds = {"daily"}) {
  store::RetentionOptions o;
  o.cutoff = base::Instant::FromSeconds(kNow.seconds() - 30 * kDay);
  o.export_kinds = std::move(kinds);
  return o;
}

}  // namespace

TEST_CASE("Retention prunes old exported CDRs and keeps the rest", "[store][retention]") {
  RetentionStore s;
  s.BillAt(MakeCdr("old-exported", kOldStart, "1001", 1));
  s.BillAt(MakeCdr("old-exported-2", kOldStart + 3600, "2001", 2));
  s.BillAt(MakeCdr("old-not-exported", kOldStart + 2 * kDay, "1001", 1));
  s.BillAt(MakeCdr("young", kYoungStart, "1001", 1));
  s.Exported("daily", kOldStart - 60, kOldStart + kDay - 60);
  s.Exported("daily", kOldStart + 2 * kDay - 60, kOldStart + 3 * kDay - 60, "failed");  // failed runs do not count
  s.Exported("daily", kYoungStart - 60, kYoungStart + kDay - 60);                       // exported but young
  const int64_t ledger_before = s.Count("SELECT count(*) FROM ledger");
  const int64_t ledger_sum_before = s.Count("SELECT sum(amount_micros) FROM ledger");
  REQUIRE(ledger_before >= 4);  // the call charges

  auto r = store::PruneCdrs(*s.writer, Options());
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(r->pruned == 2);
  CHECK(r->kept_not_exported == 1);
  CHECK(r->kept_not_mirrored == 0);
  CHECK_FALSE(r->mirror_enabled);
  CHECK_FALSE(s.HasCdr("old-exported"));
  CHECK_FALSE(s.HasCdr("old-exported-2"));
  CHECK(s.HasCdr("old-not-exported"));
  CHECK(s.HasCdr("young"));
  // The ledger is money history: every row stays, with its call_uuid.
  CHECK(s.Count("SELECT count(*) FROM ledger") == ledger_before);
  CHECK(s.Count("SELECT sum(amount_micros) FROM ledger") == ledger_sum_before);
  CHECK(s.Count("SELECT count(*) FROM ledger WHERE call_uuid = 'old-exported'") == 1);
  CHECK(s.Count("SELECT count(*) FROM outbox") == 0);  // mirror off: nothing queued

  SECTION("a second run prunes nothing") {
    auto again = store::PruneCdrs(*s.writer, Options());
    REQUIRE(again.ok());
    CHECK(again->pruned == 0);
    CHECK(again->kept_not_exported == 1);
  }
  SECTION("tarifador check still passes") {
    const store::CheckReport report = store::CheckStore(s.path);
    std::string failed;
    for (const auto& c : report.checks) {
      if (!c.ok) failed += c.name + ": " + c.detail + "; ";
    }
    INFO(failed);
    CHECK(report.ok);
  }
}

TEST_CASE("Retention keeps a call that ended after the cutoff", "[store][retention]") {
  RetentionStore s;
  // Started 31 days ago, up for two days: it ended 29 days ago.
  billing::Cdr c = MakeCdr("long-call", kNow.seconds() - 31 * kDay, "1001", 1);
  c.end_us = c.start_us + 2 * kDay * 1'000'000;
  REQUIRE(s.repo->BillCall(c, base::Instant::FromMicros(c.end_us + 1'000'000)).ok());
  s.Exported("daily", kNow.seconds() - 32 * kDay, kNow.seconds() - 30 * kDay + kDay * 3);
  auto r = store::PruneCdrs(*s.writer, Options());
  REQUIRE(r.ok());
  CHECK(r->pruned == 0);
  CHECK(s.HasCdr("long-call"));
}

TEST_CASE("Retention keeps a CDR written after its period's file was made", "[store][retention]") {
  RetentionStore s;
  const billing::Cdr c = MakeCdr("late", kOldStart, "1001", 1);
  s.Exported("daily", kOldStart - 60, kOldStart + kDay - 60);
  // Billed a week after the run started: the file cannot hold it.
  REQUIRE(s.repo->BillCall(c, base::Instant::FromSeconds(kOldStart + 7 * kDay)).ok());
  auto r = store::PruneCdrs(*s.writer, Options());
  REQUIRE(r.ok());
  CHECK(r->pruned == 0);
  CHECK(r->kept_not_exported == 1);
  CHECK(s.HasCdr("late"));
}

TEST_CASE("Retention needs an ok run of every required export kind", "[store][retention]") {
  RetentionStore s;
  s.BillAt(MakeCdr("a", kOldStart, "1001", 1));
  s.Exported("daily", kOldStart - 60, kOldStart + kDay - 60);
  auto r = store::PruneCdrs(*s.writer, Options({"daily", "monthly"}));
  REQUIRE(r.ok());
  CHECK(r->pruned == 0);
  CHECK(r->kept_not_exported == 1);
  s.Exported("monthly", kOldStart - 10 * kDay, kOldStart + 20 * kDay);
  r = store::PruneCdrs(*s.writer, Options({"daily", "monthly"}));
  REQUIRE(r.ok());
  CHECK(r->pruned == 1);
  CHECK_FALSE(s.HasCdr("a"));
}

TEST_CASE("Retention keeps CDRs the mirror has not pushed yet", "[store][retention]") {
  RetentionStore s;
  s.BillAt(MakeCdr("pushed", kOldStart, "1001", 1));
  s.BillAt(MakeCdr("pending", kOldStart + 60, "1001", 1));
  s.Exported("daily", kOldStart - 60, kOldStart + kDay - 60);
  REQUIRE(store::SetOutboxEnabled(*s.writer, true).ok());  // queues everything (the backfill)
  // PostgreSQL committed everything but the "pending" CDR's row.
  REQUIRE(s.writer
              ->Run([](SQLite::Database& db) {
                db.exec("DELETE FROM outbox WHERE NOT (tbl = 'cdrs' AND row_key = 'pending')");
                return base::Status::Ok();
              })
              .ok());
  auto r = store::PruneCdrs(*s.writer, Options());
  REQUIRE(r.ok());
  CHECK(r->mirror_enabled);
  CHECK(r->pruned == 1);
  CHECK(r->kept_not_mirrored == 1);
  CHECK_FALSE(s.HasCdr("pushed"));
  CHECK(s.HasCdr("pending"));
  // Pruning queued no delete for head office: only the pending row is there.
  CHECK(s.Count("SELECT count(*) FROM outbox") == 1);

  // Once pushed, it goes too.
  REQUIRE(store::DeleteOutboxUpTo(*s.writer, INT64_MAX).ok());
  r = store::PruneCdrs(*s.writer, Options());
  REQUIRE(r.ok());
  CHECK(r->pruned == 1);
  CHECK(r->kept_not_mirrored == 0);
  CHECK_FALSE(s.HasCdr("pending"));
  CHECK(s.Count("SELECT count(*) FROM outbox") == 0);
}

TEST_CASE("Retention with the mirror off needs only the export", "[store][retention]") {
  RetentionStore s;
  s.BillAt(MakeCdr("a", kOldStart, "1001", 1));
  s.Exported("daily", kOldStart - 60, kOldStart + kDay - 60);
  REQUIRE(store::SetOutboxEnabled(*s.writer, true).ok());
  REQUIRE(s.Count("SELECT count(*) FROM outbox WHERE tbl = 'cdrs'") == 1);
  // Turning the mirror off empties the outbox (sql/0005): nothing waits.
  REQUIRE(store::SetOutboxEnabled(*s.writer, false).ok());
  auto r = store::PruneCdrs(*s.writer, Options());
  REQUIRE(r.ok());
  CHECK_FALSE(r->mirror_enabled);
  CHECK(r->pruned == 1);
}

TEST_CASE("Retention dry run counts and changes nothing", "[store][retention]") {
  RetentionStore s;
  s.BillAt(MakeCdr("a", kOldStart, "1001", 1));
  s.BillAt(MakeCdr("b", kOldStart + 5 * kDay, "1001", 1));
  s.Exported("daily", kOldStart - 60, kOldStart + kDay - 60);
  store::RetentionOptions o = Options();
  o.dry_run = true;
  auto r = store::PruneCdrs(*s.writer, o);
  REQUIRE(r.ok());
  CHECK(r->pruned == 1);
  CHECK(r->kept_not_exported == 1);
  CHECK(s.Count("SELECT count(*) FROM cdrs") == 2);
  // The real run agrees with the dry run.
  auto real = store::PruneCdrs(*s.writer, Options());
  REQUIRE(real.ok());
  CHECK(real->pruned == 1);
  CHECK(s.Count("SELECT count(*) FROM cdrs") == 1);
}

TEST_CASE("Retention works in chunks", "[store][retention]") {
  RetentionStore s;
  for (int i = 0; i < 23; ++i)
    s.BillAt(MakeCdr(std::string("c").append(std::to_string(i)), kOldStart + i * 60, "1001", 1));
  // Two that share a start time straddle a chunk boundary without being skipped.
  s.BillAt(MakeCdr("same-a", kOldStart + 30 * 60, "1001", 1));
  s.BillAt(MakeCdr("same-b", kOldStart + 30 * 60, "1001", 1));
  s.BillAt(MakeCdr("not-exported", kOldStart + 3 * kDay, "1001", 1));
  s.Exported("daily", kOldStart - 60, kOldStart + kDay - 60);
  store::RetentionOptions o = Options();
  o.chunk_rows = 5;
  const store::Writer::Stats before = s.writer->stats();
  auto r = store::PruneCdrs(*s.writer, o);
  REQUIRE(r.ok());
  CHECK(r->pruned == 25);
  CHECK(r->kept_not_exported == 1);
  CHECK(r->chunks == 6);  // 26 candidates: 5 full chunks and one of 1
  CHECK(s.writer->stats().jobs_committed - before.jobs_committed == 6);
  CHECK(s.Count("SELECT count(*) FROM cdrs") == 1);
}

TEST_CASE("Retention refuses bad options and changes nothing", "[store][retention]") {
  RetentionStore s;
  s.BillAt(MakeCdr("a", kOldStart, "1001", 1));
  s.Exported("daily", kOldStart - 60, kOldStart + kDay - 60);
  store::RetentionOptions o = Options({});
  CHECK(store::PruneCdrs(*s.writer, o).status().code() == base::StatusCode::kInvalidArgument);
  o = Options({"weekly"});
  CHECK(store::PruneCdrs(*s.writer, o).status().code() == base::StatusCode::kInvalidArgument);
  o = Options();
  o.chunk_rows = 0;
  CHECK(store::PruneCdrs(*s.writer, o).status().code() == base::StatusCode::kInvalidArgument);
  CHECK(s.HasCdr("a"));
}

TEST_CASE("Retention's candidate query uses the indexes", "[store][retention]") {
  RetentionStore s;
  const std::string sql = "EXPLAIN QUERY PLAN " + store::RetentionCandidateSql(Options({"daily", "monthly"}));
  std::string plan;
  REQUIRE(s.writer
              ->Run([&](SQLite::Database& db) {
                SQLite::Statement q(db, sql);
                for (int i = 1; i <= 6; ++i) q.bind(i, static_cast<int64_t>(0));
                while (q.executeStep()) plan += q.getColumn(3).getString() + "\n";
                return base::Status::Ok();
              })
              .ok());
  INFO(plan);
  CHECK(plan.find("cdrs_start") != std::string::npos);
  CHECK(plan.find("outbox_cdr_key") != std::string::npos);
  CHECK(plan.find("export_runs_ok_range") != std::string::npos);
  CHECK(plan.find("USE TEMP B-TREE") == std::string::npos);  // no sort: the index gives the order
}
