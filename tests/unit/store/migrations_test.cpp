#include "store/migrations.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "store/database.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
using tarifador::base::EmbeddedFile;

TEST_CASE("Embedded migrations are numbered without gaps", "[store]") {
  auto list = store::ListMigrations(store::EmbeddedMigrations());
  REQUIRE(list.ok());
  REQUIRE(!list->empty());
  CHECK(store::LatestSchemaVersion() == static_cast<int>(list->size()));
}

TEST_CASE("Migration list rejects gaps and bad names", "[store]") {
  const EmbeddedFile gap[] = {{"0001_a.sql", "SELECT 1;"}, {"0003_c.sql", "SELECT 1;"}};
  CHECK_FALSE(store::ListMigrations(gap).ok());
  const EmbeddedFile bad[] = {{"1_a.sql", "SELECT 1;"}};
  CHECK_FALSE(store::ListMigrations(bad).ok());
}

TEST_CASE("Opening an empty data dir creates the schema in WAL mode", "[store]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/t.db";
  auto db = store::Database::Open(path, store::OpenMode::kReadWrite);
  REQUIRE(db.ok());
  CHECK((*db)->SchemaVersion() == store::LatestSchemaVersion());
  CHECK((*db)->sql().execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK((*db)->sql().execAndGet("PRAGMA synchronous").getInt() == 2);  // FULL
  CHECK((*db)->sql().tableExists("audit_log"));
  // Reopening applies nothing and keeps the version.
  db->reset();
  auto again = store::Database::Open(path, store::OpenMode::kReadWrite);
  REQUIRE(again.ok());
  CHECK((*again)->SchemaVersion() == store::LatestSchemaVersion());
  auto ro = store::Database::Open(path, store::OpenMode::kReadOnly);
  REQUIRE(ro.ok());
}

TEST_CASE("Each migration step applies on the previous version", "[store]") {
  auto list = store::ListMigrations(store::EmbeddedMigrations());
  REQUIRE(list.ok());
  test_support::TempDir dir;
  SQLite::Database db(dir.path() + "/steps.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  std::vector<EmbeddedFile> prefix;
  for (const auto& m : *list) {
    prefix.push_back({m.name, m.sql});
    INFO(m.name);
    REQUIRE(store::ApplyMigrations(db, prefix).ok());
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == m.version);
  }
}

TEST_CASE("A failing migration leaves the previous version", "[store]") {
  test_support::TempDir dir;
  SQLite::Database db(dir.path() + "/fail.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  const EmbeddedFile files[] = {{"0001_a.sql", "CREATE TABLE a(x);"},
                                {"0002_b.sql", "CREATE TABLE b(x); THIS IS NOT SQL;"}};
  base::Status s = store::ApplyMigrations(db, files);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("0002_b.sql") != std::string::npos);
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 1);
  CHECK_FALSE(db.tableExists("b"));
}

TEST_CASE("A database newer than the binary is refused", "[store]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/new.db";
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 9999");
  }
  auto db = store::Database::Open(path, store::OpenMode::kReadWrite);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == base::StatusCode::kFailedPrecondition);
}
