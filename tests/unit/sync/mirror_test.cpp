// The PostgreSQL mirror against a real PostgreSQL started by the test
// (tests/test_support/pg_cluster.h): outbox triggers, the push, and the
// worker through PostgreSQL outages. Skipped only when the PostgreSQL server
// binaries are not installed.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "base/time.h"
#include "store/database.h"
#include "store/outbox_store.h"
#include "store/writer.h"
#include "sync/mirror_push.h"
#include "sync/mirror_worker.h"
#include "sync/pg_connection.h"
#include "sync/pg_schema.h"
#include "test_support/pg_cluster.h"
#include "test_support/prerequisite.h"
#include "test_support/temp_dir.h"

namespace tarifador::sync {
namespace {

using test_support::PgCluster;
using test_support::TempDir;

class FixedClock final : public base::Clock {
 public:
  base::Instant Now() const override { return base::Instant::FromSeconds(1'790'000'000); }
};

// Every mirrored column of each table, key first (as sql/postgres/0001).
struct TableCols {
  const char* name;
  const char* key;
  const char* cols;
};
constexpr TableCols kTables[] = {
    {"accounts", "id",
     "id,name,type,credit_limit_micros,monthly_budget_micros,balance_micros,created_us,updated_us,budget_mode,"
     "budget_warn_percent,low_balance_micros"},
    {"extensions", "number", "number,name,account_id,rate_plan,enabled,created_us,updated_us"},
    {"ledger", "id",
     "id,account_id,kind,amount_micros,balance_after_micros,actor,reason,at_us,call_uuid,idempotency_key"},
    {"cdrs", "uuid",
     "uuid,linked_uuids,direction,caller,caller_name,account_id,destination,normalised_number,zone,prefix,"
     "rate_plan,price_per_minute_micros,connection_fee_micros,start_us,answer_us,bridge_us,end_us,duration_s,"
     "billsec,billusec,billable_seconds,cost_micros,charged_micros,hangup_cause,disposition,deny_reason,gateway,"
     "billed_us,pin_id,pin_owner"},
};

// "coalesce(CAST(a AS TEXT),'~')||'|'||..." : the same text in SQLite and PostgreSQL.
std::string RowText(const std::string& cols) {
  std::string out;
  size_t start = 0;
  while (start <= cols.size()) {
    size_t comma = cols.find(',', start);
    if (comma == std::string::npos) comma = cols.size();
    if (!out.empty()) out += "||'|'||";
    out += "coalesce(CAST(" + cols.substr(start, comma - start) + " AS TEXT),'~')";
    start = comma + 1;
  }
  return out;
}

// Every row of `t` in the SQLite store, one line each, ordered by key.
std::string SqliteDump(const std::string& store, const TableCols& t) {
  SQLite::Database db(store, SQLite::OPEN_READONLY);
  return db
      .execAndGet("SELECT coalesce(group_concat(line, char(10)), '') FROM (SELECT " + RowText(t.cols) +
                  " AS line FROM " + t.name + " ORDER BY " + t.key + ")")
      .getString();
}

// The same from the central database for `site`.
std::string PgDump(const PgCluster& pg, const std::string& site, const TableCols& t) {
  const std::string order = std::string(t.key) + (std::string(t.key) == "id" ? "" : " COLLATE \"C\"");
  return pg.Psql("SELECT coalesce(string_agg(" + RowText(t.cols) + ", E'\\n' ORDER BY " + order +
                 "), '') FROM tarifador." + t.name + " WHERE site_id = '" + site + "'");
}

int64_t PgCount(const PgCluster& pg, const std::string& table, const std::string& site) {
  return std::stoll(pg.Psql("SELECT count(*) FROM tarifador." + table + " WHERE site_id = '" + site + "'"));
}

void RequireMirrorEquals(const PgCluster& pg, const std::string& store, const std::string& site) {
  for (const TableCols& t : kTables) {
    INFO("table " << t.name);
    const std::string local = SqliteDump(store, t);
    CHECK_FALSE(local.empty());
    CHECK(PgDump(pg, site, t) == local);
  }
}

// An account with an extension and a recharge.
void AddAccount(store::Writer& w, int64_t id) {
  REQUIRE(w.Run([id](SQLite::Database& db) {
             const std::string n = std::to_string(id);
             db.exec("INSERT INTO accounts(id, name, type, created_us, updated_us) VALUES (" + n + ", 'acct " + n +
                     "', 'prepaid', 1, 1)");
             db.exec("INSERT INTO extensions(number, name, account_id, created_us, updated_us) VALUES ('" +
                     std::to_string(1000 + id) + "', 'it''s " + n + "', " + n + ", 1, 1)");
             db.exec(
                 "INSERT INTO ledger(account_id, kind, amount_micros, balance_after_micros, actor, at_us) VALUES (" +
                 n + ", 'recharge', 100000000, 100000000, 'test', 2)");
             db.exec("UPDATE accounts SET balance_micros = 100000000, updated_us = 2 WHERE id = " + n);
             return base::Status::Ok();
           }).ok());
}

// One billed call as billing writes it: CDR, charge, balance, in one job.
void AddCall(store::Writer& w, int64_t account, int64_t i) {
  REQUIRE(w.Run([account, i](SQLite::Database& db) {
             const std::string uuid = "call-" + std::to_string(account) + "-" + std::to_string(i);
             const int64_t cost = 1000 + i;
             SQLite::Statement cdr(db,
                                   "INSERT INTO cdrs(uuid, direction, caller, destination, start_us, answer_us, "
                                   "end_us, billsec, billable_seconds, cost_micros, charged_micros, disposition, "
                                   "billed_us, caller_name) VALUES (?, 'outbound', ?, '34911234567', ?, ?, ?, 10, 10, "
                                   "?, ?, 'answered', ?, 'Zoë \"quoted\"')");
             cdr.bind(1, uuid);
             cdr.bind(2, std::to_string(1000 + account));
             cdr.bind(3, int64_t{1'700'000'000'000'000} + i);
             cdr.bind(4, int64_t{1'700'000'001'000'000} + i);
             cdr.bind(5, int64_t{1'700'000'011'000'000} + i);
             cdr.bind(6, cost);
             cdr.bind(7, cost);
             cdr.bind(8, int64_t{1'700'000'012'000'000} + i);
             cdr.exec();
             const int64_t balance =
                 db.execAndGet("SELECT balance_micros FROM accounts WHERE id = " + std::to_string(account)).getInt64() -
                 cost;
             SQLite::Statement led(db,
                                   "INSERT INTO ledger(account_id, kind, amount_micros, balance_after_micros, actor, "
                                   "at_us, call_uuid) VALUES (?, 'call_charge', ?, ?, 'billing', ?, ?)");
             led.bind(1, account);
             led.bind(2, -cost);
             led.bind(3, balance);
             led.bind(4, int64_t{1'700'000'012'000'000} + i);
             led.bind(5, uuid);
             led.exec();
             SQLite::Statement up(db, "UPDATE accounts SET balance_micros = ?, updated_us = ? WHERE id = ?");
             up.bind(1, balance);
             up.bind(2, int64_t{1'700'000'012'000'000} + i);
             up.bind(3, account);
             up.exec();
             return base::Status::Ok();
           }).ok());
}

int64_t OutboxRows(const std::string& store) {
  SQLite::Database db(store, SQLite::OPEN_READONLY);
  return db.execAndGet("SELECT count(*) FROM outbox").getInt64();
}

// Polls (no timing threshold: a generous limit only so a bug cannot hang CI).
template <typename Pred>
bool WaitFor(Pred pred) {
  for (int i = 0; i < 6000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

MirrorOptions Options(const PgCluster& pg, const std::string& site) {
  MirrorOptions o;
  o.conninfo = pg.conninfo();
  o.site_id = site;
  o.batch_rows = 50;  // several batches even for small runs
  o.idle_poll = std::chrono::milliseconds(20);
  o.retry_initial = std::chrono::milliseconds(20);
  o.retry_max = std::chrono::milliseconds(200);
  return o;
}

bool Drained(const MirrorWorker& w, const std::string& store) {
  return OutboxRows(store) == 0 && w.stats().backlog == 0;
}

}  // namespace

TEST_CASE("outbox: triggers queue only while enabled, in the change's transaction", "[sync]") {
  TempDir dir;
  const std::string store = dir.path() + "/t.db";
  auto w = store::Writer::Start(store);
  REQUIRE(w.ok());
  AddAccount(**w, 1);
  CHECK(OutboxRows(store) == 0);  // off by default: a box that never mirrors queues nothing

  // Turning it on queues the history once: account, extension, ledger row.
  REQUIRE(store::SetOutboxEnabled(**w, true).ok());
  CHECK(OutboxRows(store) == 3);
  REQUIRE(store::SetOutboxEnabled(**w, true).ok());  // idempotent: no second backfill
  CHECK(OutboxRows(store) == 3);

  AddCall(**w, 1, 1);  // cdr + ledger + account balance
  CHECK(OutboxRows(store) == 6);

  // A job that fails leaves no outbox row either (same transaction).
  CHECK_FALSE((*w)->Run([](SQLite::Database& db) {
                    db.exec(
                        "INSERT INTO cdrs(uuid, direction, start_us, disposition, billed_us) VALUES "
                        "('x', 'outbound', 1, 'answered', 1)");
                    return base::Internal("fail after the insert");
                  })
                  .ok());
  CHECK(OutboxRows(store) == 6);

  // Ids grow, payloads are JSON of the row, backlog reports the oldest.
  auto db = store::Database::Open(store, store::OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto rows = store::ReadOutbox((*db)->sql(), 0, 100);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 6);
  for (size_t i = 1; i < rows->size(); ++i) CHECK((*rows)[i].id > (*rows)[i - 1].id);
  CHECK((*rows)[3].table == "cdrs");
  CHECK((*rows)[3].key == "call-1-1");
  CHECK((*rows)[3].payload.find("\"caller_name\":\"Zoë \\\"quoted\\\"\"") != std::string::npos);
  auto backlog = store::ReadOutboxBacklog((*db)->sql());
  REQUIRE(backlog.ok());
  CHECK(backlog->rows == 6);
  CHECK(backlog->oldest.micros() == (*rows)[0].queued_us);

  // The backfill writes the same payload as the trigger would.
  const std::string trigger_payload = (*rows)[5].payload;  // the account after the call
  REQUIRE(store::SetOutboxEnabled(**w, false).ok());
  CHECK(OutboxRows(store) == 0);  // off: the outbox is emptied
  REQUIRE(store::SetOutboxEnabled(**w, true).ok());
  rows = store::ReadOutbox((*db)->sql(), 0, 100);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 5);  // account, extension, 2 ledger rows, cdr
  CHECK((*rows)[0].table == "accounts");
  CHECK((*rows)[0].payload == trigger_payload);

  // Reservations move reserved_micros only: not mirrored.
  REQUIRE((*w)->Run([](SQLite::Database& conn) {
                conn.exec("UPDATE accounts SET reserved_micros = 5, updated_us = 9 WHERE id = 1");
                return base::Status::Ok();
              })
              .ok());
  CHECK(OutboxRows(store) == 5);

  // Deleting up to an id leaves later rows alone.
  REQUIRE(store::DeleteOutboxUpTo(**w, (*rows)[2].id).ok());
  CHECK(OutboxRows(store) == 2);
  CHECK_FALSE(store::ReadOutbox((*db)->sql(), 0, 0).ok());
}

TEST_CASE("mirror: schema is created idempotently and a batch pushed twice is not duplicated", "[sync][postgres]") {
  auto pg = PgCluster::Start();
  if (!pg) TARIFADOR_MISSING_PREREQUISITE(PgCluster::skip_reason());
  auto conn = PgConnection::Connect(pg->conninfo());
  REQUIRE(conn.ok());
  REQUIRE(EnsurePostgresSchema(**conn).ok());
  REQUIRE(EnsurePostgresSchema(**conn).ok());
  auto version = PostgresSchemaVersion(**conn);
  REQUIRE(version.ok());
  CHECK(*version == static_cast<int>(EmbeddedPostgresSchema().size()));

  TempDir dir;
  const std::string store = dir.path() + "/t.db";
  auto w = store::Writer::Start(store);
  REQUIRE(w.ok());
  REQUIRE(store::SetOutboxEnabled(**w, true).ok());
  AddAccount(**w, 7);
  for (int i = 0; i < 5; ++i) AddCall(**w, 7, i);
  auto db = store::Database::Open(store, store::OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto rows = store::ReadOutbox((*db)->sql(), 0, 1000);
  REQUIRE(rows.ok());
  REQUIRE(PushBatch(**conn, "branch-a", *rows).ok());
  REQUIRE(PushBatch(**conn, "branch-a", *rows).ok());  // a retry after a lost reply
  CHECK(PgCount(*pg, "cdrs", "branch-a") == 5);
  CHECK(PgCount(*pg, "ledger", "branch-a") == 6);
  CHECK(PgCount(*pg, "accounts", "branch-a") == 1);
  RequireMirrorEquals(*pg, store, "branch-a");  // the account holds its latest balance

  // An unknown table (a newer outbox) is refused before anything is sent.
  std::vector<store::OutboxRow> bad = {{1, "nope", "k", "{}", 1}};
  CHECK(PushBatch(**conn, "branch-a", bad).code() == base::StatusCode::kInvalidArgument);
  // A failing statement rolls the whole batch back and leaves the connection usable.
  std::vector<store::OutboxRow> broken = {(*rows)[0], {99, "cdrs", "u", "{\"uuid\": \"u\"}", 1}};
  CHECK_FALSE(PushBatch(**conn, "branch-b", broken).ok());
  CHECK(PgCount(*pg, "accounts", "branch-b") == 0);
  CHECK(PushBatch(**conn, "branch-b", std::span(*rows).first(1)).ok());
}

TEST_CASE("mirror: the worker drains everything, equal row for row, and keeps up", "[sync][postgres]") {
  auto pg = PgCluster::Start();
  if (!pg) TARIFADOR_MISSING_PREREQUISITE(PgCluster::skip_reason());
  TempDir dir;
  const std::string store = dir.path() + "/t.db";
  auto w = store::Writer::Start(store);
  REQUIRE(w.ok());
  FixedClock clock;
  AddAccount(**w, 1);  // before the mirror: reaches PostgreSQL through the backfill
  auto worker = MirrorWorker::Start(**w, clock, Options(*pg, "site-1"));
  REQUIRE(worker.ok());
  AddAccount(**w, 2);
  for (int i = 0; i < 120; ++i) AddCall(**w, 1 + i % 2, i);
  REQUIRE(WaitFor([&] { return Drained(**worker, store); }));
  RequireMirrorEquals(*pg, store, "site-1");
  const MirrorStats st = (*worker)->stats();
  CHECK(st.rows_pushed >= 3 * 120 + 7);
  CHECK(st.batches_pushed >= 2);
  CHECK(st.errors == 0);
  CHECK(st.last_success == clock.Now());
  CHECK(st.oldest_pending.micros() == 0);
}

TEST_CASE("mirror: PostgreSQL down mid-run loses nothing and duplicates nothing", "[sync][postgres]") {
  auto pg = PgCluster::Start();
  if (!pg) TARIFADOR_MISSING_PREREQUISITE(PgCluster::skip_reason());
  TempDir dir;
  const std::string store = dir.path() + "/t.db";
  auto w = store::Writer::Start(store);
  REQUIRE(w.ok());
  FixedClock clock;
  auto worker = MirrorWorker::Start(**w, clock, Options(*pg, "site-1"));
  REQUIRE(worker.ok());
  AddAccount(**w, 1);
  for (int i = 0; i < 40; ++i) AddCall(**w, 1, i);
  REQUIRE(WaitFor([&] { return Drained(**worker, store); }));

  pg->Stop();
  for (int i = 40; i < 100; ++i) AddCall(**w, 1, i);  // billing goes on meanwhile
  REQUIRE(WaitFor([&] { return (*worker)->stats().errors > 0; }));
  REQUIRE(WaitFor([&] { return (*worker)->stats().backlog == 3 * 60; }));
  const MirrorStats down = (*worker)->stats();
  CHECK_FALSE(down.last_error.empty());
  CHECK(down.last_error_at == clock.Now());
  CHECK(down.oldest_pending.micros() != 0);
  CHECK(OutboxRows(store) == 3 * 60);

  pg->Restart();
  (*worker)->Nudge();
  REQUIRE(WaitFor([&] { return Drained(**worker, store); }));
  RequireMirrorEquals(*pg, store, "site-1");
  CHECK(PgCount(*pg, "cdrs", "site-1") == 100);
  CHECK(PgCount(*pg, "ledger", "site-1") == 101);
}

TEST_CASE("mirror: two sites share one database, each keyed by its site id", "[sync][postgres]") {
  auto pg = PgCluster::Start();
  if (!pg) TARIFADOR_MISSING_PREREQUISITE(PgCluster::skip_reason());
  TempDir dir_a;
  TempDir dir_b;
  const std::string store_a = dir_a.path() + "/a.db";
  const std::string store_b = dir_b.path() + "/b.db";
  auto wa = store::Writer::Start(store_a);
  auto wb = store::Writer::Start(store_b);
  REQUIRE(wa.ok());
  REQUIRE(wb.ok());
  FixedClock clock;
  auto worker_a = MirrorWorker::Start(**wa, clock, Options(*pg, "madrid"));
  auto worker_b = MirrorWorker::Start(**wb, clock, Options(*pg, "lisboa"));
  REQUIRE(worker_a.ok());
  REQUIRE(worker_b.ok());
  // The same account ids and call uuids at both sites: only the site tells them apart.
  for (auto* w : {&**wa, &**wb}) {
    AddAccount(*w, 1);
    for (int i = 0; i < 30; ++i) AddCall(*w, 1, i);
  }
  AddCall(**wb, 1, 30);  // and the sites differ
  REQUIRE(WaitFor([&] { return Drained(**worker_a, store_a) && Drained(**worker_b, store_b); }));
  RequireMirrorEquals(*pg, store_a, "madrid");
  RequireMirrorEquals(*pg, store_b, "lisboa");
  CHECK(std::stoll(pg->Psql("SELECT count(*) FROM tarifador.cdrs")) == 61);
}

TEST_CASE("mirror: a bad server is an error in the status, never with the password", "[sync][postgres]") {
  auto pg = PgCluster::Start();
  if (!pg) TARIFADOR_MISSING_PREREQUISITE(PgCluster::skip_reason());
  TempDir dir;
  const std::string store = dir.path() + "/t.db";
  auto w = store::Writer::Start(store);
  REQUIRE(w.ok());
  FixedClock clock;
  MirrorOptions o = Options(*pg, "site-1");
  o.conninfo = pg->conninfo("no_such_db") + " password=s3cr3t-pw";
  auto worker = MirrorWorker::Start(**w, clock, o);
  REQUIRE(worker.ok());
  AddAccount(**w, 1);
  REQUIRE(WaitFor([&] { return (*worker)->stats().errors >= 2; }));
  const MirrorStats st = (*worker)->stats();
  CHECK(st.last_error.find("no_such_db") != std::string::npos);
  CHECK(st.last_error.find("s3cr3t") == std::string::npos);
  CHECK(st.rows_pushed == 0);
  CHECK(OutboxRows(store) == 4);  // kept for when the server is right

  // Bad options are refused before anything starts.
  o.batch_rows = 0;
  CHECK(MirrorWorker::Start(**w, clock, o).status().code() == base::StatusCode::kInvalidArgument);
  o = Options(*pg, "");
  CHECK(MirrorWorker::Start(**w, clock, o).status().code() == base::StatusCode::kInvalidArgument);
}

}  // namespace tarifador::sync
