#include "store/migrations.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "base/log.h"

namespace tarifador::store {

base::Result<std::vector<Migration>> ListMigrations(std::span<const base::EmbeddedFile> files) {
  std::vector<Migration> out;
  for (const auto& f : files) {
    const std::string_view n = f.path;
    if (n.size() < 10 || n.substr(n.size() - 4) != ".sql" || n[4] != '_') {
      return base::Internal("migration file \"" + std::string(n) + "\" is not named NNNN_name.sql");
    }
    int version = 0;
    for (size_t i = 0; i < 4; ++i) {
      if (n[i] < '0' || n[i] > '9') {
        return base::Internal("migration file \"" + std::string(n) + "\" does not start with 4 digits");
      }
      version = version * 10 + (n[i] - '0');
    }
    if (version != static_cast<int>(out.size()) + 1) {
      return base::Internal("migration file \"" + std::string(n) + "\" should be number " +
                            std::to_string(out.size() + 1) + " (gap or duplicate)");
    }
    out.push_back({version, n, f.data});
  }
  return out;
}

int LatestSchemaVersion() {
  auto list = ListMigrations(EmbeddedMigrations());
  return list.ok() ? static_cast<int>(list->size()) : 0;
}

base::Status ApplyMigrations(SQLite::Database& db, std::span<const base::EmbeddedFile> files, MigrationLog log) {
  auto list = ListMigrations(files);
  if (!list.ok()) return list.status();
  try {
    const int current = db.execAndGet("PRAGMA user_version").getInt();
    const int latest = static_cast<int>(list->size());
    if (current > latest) {
      return base::FailedPrecondition("database schema version " + std::to_string(current) +
                                      " is newer than this tarifador (" + std::to_string(latest) +
                                      "); install the newer version or restore a backup");
    }
    for (const Migration& m : *list) {
      if (m.version <= current) continue;
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      try {
        db.exec(std::string(m.sql));
      } catch (const SQLite::Exception& e) {
        return base::Internal("applying migration " + std::string(m.name) + ": " + e.what());
      }
      // PRAGMA takes no bound parameters; the version is our own integer.
      db.exec("PRAGMA user_version = " + std::to_string(m.version));
      tx.commit();
      base::LogDebug("store: applied migration " + std::string(m.name));
    }
    if (current < latest && log == MigrationLog::kInfo) {
      base::LogInfo("store: schema migrated from version " + std::to_string(current) + " to " + std::to_string(latest));
    }
  } catch (const SQLite::Exception& e) {
    return base::Internal(std::string("migrating schema: ") + e.what());
  }
  return base::Status::Ok();
}

}  // namespace tarifador::store
