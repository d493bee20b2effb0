#pragma once
// Forward-only schema migrations (STYLE.md habit 10): sql/NNNN_name.sql, embedded
// into the binary at build time, each applied in its own transaction and
// recorded in PRAGMA user_version.
#include <span>
#include <string_view>
#include <vector>

#include "base/embedded_file.h"
#include "base/status.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

// The sql/*.sql files compiled into this binary, sorted by name (generated).
std::span<const base::EmbeddedFile> EmbeddedMigrations();

struct Migration {
  int version;            // NNNN from the file name, starting at 1, contiguous
  std::string_view name;  // the file name
  std::string_view sql;
};

// Parses and checks the embedded list: names "NNNN_word.sql", versions 1..N
// without gaps or duplicates. Fails with Internal naming the bad file.
base::Result<std::vector<Migration>> ListMigrations(std::span<const base::EmbeddedFile> files);

// The version a store has after all embedded migrations ran.
int LatestSchemaVersion();

// Applies every migration newer than the database's user_version, one
// transaction each (a failing step leaves the previous version intact).
// Fails with FailedPrecondition when the database is newer than this binary.
// kInfo logs the version change (a real store); kQuiet does not (a scratch
// reference schema, such as `tarifador check` builds in memory).
enum class MigrationLog { kInfo, kQuiet };
base::Status ApplyMigrations(SQLite::Database& db, std::span<const base::EmbeddedFile> files,
                             MigrationLog log = MigrationLog::kInfo);

}  // namespace tarifador::store
