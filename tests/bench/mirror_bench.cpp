// Mirror benchmark (docs/PERFORMANCE.md, "PostgreSQL mirror: outbox drain"):
// how fast the sync worker empties an outbox into a local PostgreSQL
// (fsync on: tests/test_support/pg_cluster.sh start --durable), against the
// naive way (one INSERT per row, autocommit) in the same run.
//
//   mirror_bench [--quick] [--calls N] [--naive-rows N] [--batch N]
//
// The store gets N billed calls (a CDR and its call_charge ledger row each:
// 2N outbox rows, default N = 100 000) written with the outbox on, then a
// MirrorWorker (batch --batch rows, default 2000) drains it; rows/s = outbox
// rows / time until the outbox is empty. The naive run sends the first
// --naive-rows rows (default 5 000) one statement each, as another site.
// Checks: PostgreSQL ends with exactly N CDRs and N ledger rows. Target:
// >= 20 000 rows/s (printed MET or MISSED, never failed). --quick (ctest):
// 2 000 calls, 300 naive rows. Without PostgreSQL binaries: prints why, exits 0.
#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "store/outbox_store.h"
#include "store/writer.h"
#include "sync/mirror_push.h"
#include "sync/mirror_worker.h"
#include "sync/pg_connection.h"
#include "sync/pg_schema.h"
#include "test_support/pg_cluster.h"
#include "test_support/prerequisite.h"
#include "test_support/temp_dir.h"

namespace {

using namespace tarifador;
using Clock = std::chrono::steady_clock;

class FixedClock final : public base::Clock {
 public:
  base::Instant Now() const override { return base::Instant::FromSeconds(1'790'000'000); }
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int Fail(const std::string& what) {
  std::fprintf(stderr, "FAIL: %s\n", what.c_str());
  return 1;
}

int Run(int argc, char** argv) {
  bool quick = false;
  int64_t calls = 100'000;
  int64_t naive_rows = 5'000;
  int64_t batch = 2'000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      quick = true;
      calls = 2'000;
      naive_rows = 300;
    } else if (a == "--calls" && i + 1 < argc) {
      calls = std::stoll(argv[++i]);
    } else if (a == "--naive-rows" && i + 1 < argc) {
      naive_rows = std::stoll(argv[++i]);
    } else if (a == "--batch" && i + 1 < argc) {
      batch = std::stoll(argv[++i]);
    } else {
      return Fail("unknown argument " + a +
                  " (usage: mirror_bench [--quick] [--calls N] [--naive-rows N] [--batch N])");
    }
  }
  auto pg = test_support::PgCluster::Start(/*durable=*/true);
  if (!pg) {
    std::printf("mirror_bench: skipped: %s\n", test_support::PgCluster::skip_reason());
    // In CI a missing PostgreSQL fails the run (test_support/prerequisite.h).
    return test_support::MissingPrerequisitesFail() ? 1 : 0;
  }
  test_support::TempDir dir;
  const std::string path = dir.path() + "/bench.db";
  auto writer = store::Writer::Start(path);
  if (!writer.ok()) return Fail(writer.status().ToString());
  if (!store::SetOutboxEnabled(**writer, true).ok()) return Fail("enabling the outbox");

  // The calls, 10 000 per transaction, as billing would write them.
  const auto fill_start = Clock::now();
  base::Status filled = (*writer)->Run([](SQLite::Database& db) {
    db.exec("INSERT INTO accounts(id, name, type, created_us, updated_us) VALUES (1, 'bench', 'postpaid', 1, 1)");
    return base::Status::Ok();
  });
  for (int64_t done = 0; filled.ok() && done < calls; done += 10'000) {
    const int64_t end = std::min(calls, done + 10'000);
    filled = (*writer)->Run([done, end](SQLite::Database& db) {
      SQLite::Statement cdr(db,
                            "INSERT INTO cdrs(uuid, direction, caller, destination, normalised_number, zone, prefix, "
                            "rate_plan, price_per_minute_micros, start_us, answer_us, end_us, duration_s, billsec, "
                            "billable_seconds, cost_micros, charged_micros, hangup_cause, disposition, billed_us, "
                            "account_id) VALUES (?, 'outbound', '1001', '0034911234567', '34911234567', 'Spain', "
                            "'34', 'default', 60000, ?, ?, ?, 62, 60, 60, 60000, 60000, 'NORMAL_CLEARING', "
                            "'answered', ?, 1)");
      SQLite::Statement led(db,
                            "INSERT INTO ledger(account_id, kind, amount_micros, balance_after_micros, actor, at_us, "
                            "call_uuid) VALUES (1, 'call_charge', -60000, ?, 'billing', ?, ?)");
      for (int64_t i = done; i < end; ++i) {
        const std::string uuid = "bench-call-" + std::to_string(i);
        const int64_t t = int64_t{1'700'000'000'000'000} + i * 1'000'000;
        cdr.bind(1, uuid);
        cdr.bind(2, t);
        cdr.bind(3, t + 2'000'000);
        cdr.bind(4, t + 62'000'000);
        cdr.bind(5, t + 62'000'100);
        cdr.exec();
        cdr.reset();
        led.bind(1, -60000 * (i + 1));
        led.bind(2, t + 62'000'100);
        led.bind(3, uuid);
        led.exec();
        led.reset();
      }
      return base::Status::Ok();
    });
  }
  if (!filled.ok()) return Fail("filling the store: " + filled.ToString());
  SQLite::Database reader(path, SQLite::OPEN_READONLY);
  const int64_t outbox_rows = reader.execAndGet("SELECT count(*) FROM outbox").getInt64();
  std::printf("store: %lld calls, %lld outbox rows queued in %.2f s\n", static_cast<long long>(calls),
              static_cast<long long>(outbox_rows), Seconds(Clock::now() - fill_start));

  // The naive way first (its rows are another site's, so both runs insert).
  auto conn = sync::PgConnection::Connect(pg->conninfo());
  if (!conn.ok()) return Fail(conn.status().ToString());
  if (!sync::EnsurePostgresSchema(**conn).ok()) return Fail("creating the central schema");
  {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    auto rows = store::ReadOutbox(db, 0, naive_rows);
    if (!rows.ok()) return Fail(rows.status().ToString());
    const auto t0 = Clock::now();
    for (const store::OutboxRow& r : *rows) {
      base::Status st =
          (*conn)->ExecParams("naive insert", sync::UpsertStatement(r.table), {"naive", "[" + r.payload + "]"});
      if (!st.ok()) return Fail(st.ToString());
    }
    const double s = Seconds(Clock::now() - t0);
    std::printf("naive (one INSERT per row, autocommit): %zu rows in %.2f s = %.0f rows/s\n", rows->size(), s,
                static_cast<double>(rows->size()) / s);
  }

  // The worker.
  FixedClock fixed;
  sync::MirrorOptions options;
  options.conninfo = pg->conninfo();
  options.site_id = "bench";
  options.batch_rows = batch;
  options.idle_poll = std::chrono::milliseconds(5);
  const auto t0 = Clock::now();
  auto worker = sync::MirrorWorker::Start(**writer, fixed, options);
  if (!worker.ok()) return Fail(worker.status().ToString());
  while (reader.execAndGet("SELECT count(*) FROM outbox").getInt64() > 0) {
    if ((*worker)->stats().errors > 0) return Fail("mirror error: " + (*worker)->stats().last_error);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double s = Seconds(Clock::now() - t0);
  (*worker)->Stop();
  const double rate = static_cast<double>(outbox_rows) / s;
  std::printf(
      "worker (batch %lld, one transaction per batch): %lld rows in %.2f s = %.0f rows/s  [target >= 20000: %s]\n",
      static_cast<long long>(batch), static_cast<long long>(outbox_rows), s, rate, rate >= 20'000 ? "MET" : "MISSED");

  const std::string cdrs = pg->Psql("SELECT count(*) FROM tarifador.cdrs WHERE site_id = 'bench'");
  const std::string ledger = pg->Psql("SELECT count(*) FROM tarifador.ledger WHERE site_id = 'bench'");
  if (cdrs != std::to_string(calls) || ledger != std::to_string(calls)) {
    return Fail("PostgreSQL holds " + cdrs + " CDRs and " + ledger + " ledger rows, expected " + std::to_string(calls));
  }
  std::printf("check: PostgreSQL holds %s CDRs and %s ledger rows for site \"bench\"%s\n", cdrs.c_str(), ledger.c_str(),
              quick ? " (quick run: figures are not meaningful)" : "");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    return Fail(e.what());
  }
}
