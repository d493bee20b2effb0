#include "store/check.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <map>
#include <set>

#include "base/log.h"
#include "store/billing_repository.h"
#include "store/migrations.h"
#include "store/store_meta.h"

namespace tarifador::store {
namespace {

// Add a rule here, one line each (e.g. billing's "balances equal ledger sums").
const NamedCheck kConsistencyChecks[] = {
    {"store_meta", CheckStoreMetaWellFormed},
    {"ledger_balances", CheckLedgerBalances},
    {"budget_spend", CheckBudgetSpend},
};

constexpr int kMaxListed = 10;  // problems quoted in a detail before "..."

template <typename Fn>
CheckResult Guarded(std::string name, Fn&& fn) {
  CheckResult r{std::move(name), false, ""};
  try {
    base::Status s = fn(r);
    if (!s.ok()) {
      r.ok = false;
      r.detail = s.message();
    }
  } catch (const SQLite::Exception& e) {
    r.ok = false;
    r.detail = std::string("SQLite error: ") + e.what();
  } catch (const std::exception& e) {
    r.ok = false;
    r.detail = std::string("error: ") + e.what();
  }
  return r;
}

base::Status SchemaVersion(SQLite::Database& db, CheckResult& r) {
  const int have = db.execAndGet("PRAGMA user_version").getInt();
  const int want = LatestSchemaVersion();
  if (have == want) {
    r.ok = true;
    r.detail = "schema version " + std::to_string(have);
    return base::Status::Ok();
  }
  if (have > want) {
    return base::FailedPrecondition("store has schema version " + std::to_string(have) +
                                    ", newer than this tarifador (" + std::to_string(want) + "); use the newer binary");
  }
  return base::FailedPrecondition("store has schema version " + std::to_string(have) + ", this tarifador expects " +
                                  std::to_string(want) + "; `tarifador serve` migrates it on start");
}

base::Status IntegrityCheck(SQLite::Database& db, CheckResult& r) {
  SQLite::Statement q(db, "PRAGMA integrity_check(" + std::to_string(kMaxListed) + ")");
  std::vector<std::string> lines;
  while (q.executeStep()) lines.push_back(q.getColumn(0).getString());
  if (lines.size() == 1 && lines[0] == "ok") {
    r.ok = true;
    r.detail = "ok";
    return base::Status::Ok();
  }
  std::string detail;
  for (const std::string& l : lines) detail += (detail.empty() ? "" : "; ") + l;
  return base::Internal(detail.empty() ? "integrity_check returned nothing" : detail);
}

base::Status ForeignKeyCheck(SQLite::Database& db, CheckResult& r) {
  SQLite::Statement q(db, "PRAGMA foreign_key_check");
  std::string detail;
  int n = 0;
  while (q.executeStep()) {
    if (++n <= kMaxListed) {
      detail += (detail.empty() ? "" : "; ") + q.getColumn(0).getString() + " row " +
                (q.getColumn(1).isNull() ? std::string("?") : std::to_string(q.getColumn(1).getInt64())) +
                " references a missing " + q.getColumn(2).getString() + " row";
    }
  }
  if (n == 0) {
    r.ok = true;
    r.detail = "no dangling references";
    return base::Status::Ok();
  }
  if (n > kMaxListed) detail += "; ... (" + std::to_string(n) + " in all)";
  return base::Internal(detail);
}

// type -> names of the schema objects a database holds (SQLite's own
// internal objects left out).
std::map<std::string, std::set<std::string>> SchemaObjects(SQLite::Database& db) {
  std::map<std::string, std::set<std::string>> out;
  SQLite::Statement q(db,
                      "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                      "AND type IN ('table', 'index', 'view', 'trigger')");
  while (q.executeStep()) out[q.getColumn(0).getString()].insert(q.getColumn(1).getString());
  return out;
}

// integrity_check cannot see a table that was dropped whole; comparing with
// what the migrations create at the store's version can.
base::Status SchemaObjectsCheck(SQLite::Database& db, CheckResult& r) {
  const int version = db.execAndGet("PRAGMA user_version").getInt();
  auto list = ListMigrations(EmbeddedMigrations());
  if (!list.ok()) return list.status();
  std::vector<base::EmbeddedFile> files;
  for (const Migration& m : *list) {
    if (m.version <= version) files.push_back({m.name, m.sql});
  }
  SQLite::Database reference(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  TARIFADOR_RETURN_IF_ERROR(ApplyMigrations(reference, files, MigrationLog::kQuiet));
  const auto want = SchemaObjects(reference);
  const auto have = SchemaObjects(db);
  std::string missing;
  size_t expected = 0;
  for (const auto& [type, names] : want) {
    expected += names.size();
    const auto it = have.find(type);
    for (const std::string& name : names) {
      if (it == have.end() || !it->second.count(name)) missing += (missing.empty() ? "" : ", ") + type + " " + name;
    }
  }
  if (!missing.empty()) return base::Internal("missing from the schema: " + missing);
  r.ok = true;
  r.detail = std::to_string(expected) + " tables, indexes and triggers present";
  return base::Status::Ok();
}

}  // namespace

std::span<const NamedCheck> ConsistencyChecks() { return kConsistencyChecks; }

CheckReport CheckStore(const std::string& store_path, std::span<const NamedCheck> extra) {
  CheckReport report;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(store_path, ec)) {
    report.checks.push_back({"open", false, "store file \"" + store_path + "\" does not exist (check data_dir)"});
    return report;
  }
  std::unique_ptr<SQLite::Database> db;
  try {
    db = std::make_unique<SQLite::Database>(store_path, SQLite::OPEN_READONLY, /*busyTimeoutMs=*/10000);
    // One read transaction for every check, so rules spanning several queries
    // (ledger sums vs balances) see one snapshot while the service writes.
    db->exec("BEGIN");
    db->execAndGet("SELECT count(*) FROM sqlite_master");  // the snapshot starts here
  } catch (const SQLite::Exception& e) {
    report.checks.push_back({"open", false, "opening \"" + store_path + "\": " + e.what()});
    return report;
  }
  report.checks.push_back({"open", true, store_path});
  report.checks.push_back(Guarded("schema_version", [&](CheckResult& r) { return SchemaVersion(*db, r); }));
  report.checks.push_back(Guarded("integrity_check", [&](CheckResult& r) { return IntegrityCheck(*db, r); }));
  report.checks.push_back(Guarded("foreign_key_check", [&](CheckResult& r) { return ForeignKeyCheck(*db, r); }));
  report.checks.push_back(Guarded("schema_objects", [&](CheckResult& r) { return SchemaObjectsCheck(*db, r); }));
  const auto run_named = [&](const NamedCheck& c) {
    report.checks.push_back(Guarded(std::string(c.name), [&](CheckResult& r) {
      base::Status s = c.run(*db);
      r.ok = s.ok();
      r.detail = s.ok() ? "ok" : s.message();
      return s;
    }));
  };
  for (const NamedCheck& c : ConsistencyChecks()) run_named(c);
  for (const NamedCheck& c : extra) run_named(c);
  try {
    db->exec("COMMIT");
  } catch (const SQLite::Exception& e) {
    // Nothing was written, so nothing is lost; the connection closes next anyway.
    base::LogWarning(std::string("check: ending the read transaction: ") + e.what());
  }
  report.ok = true;
  for (const CheckResult& c : report.checks) report.ok = report.ok && c.ok;
  return report;
}

}  // namespace tarifador::store
