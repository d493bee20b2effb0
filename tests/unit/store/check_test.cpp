#include "store/check.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "store/database.h"
#include "store/migrations.h"
#include "store/store_meta.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
namespace fs = std::filesystem;

namespace {

// The check called `name`, or one named "<missing>" that failed.
store::CheckResult Find(const store::CheckReport& r, std::string_view name) {
  for (const auto& c : r.checks) {
    if (c.name == name) return c;
  }
  return {"<missing>", false, "no check named " + std::string(name)};
}

// Names of the failed checks, for INFO and for exact assertions.
std::vector<std::string> Failed(const store::CheckReport& r) {
  std::vector<std::string> out;
  for (const auto& c : r.checks) {
    if (!c.ok) out.push_back(c.name + ": " + c.detail);
  }
  return out;
}

std::string MakeStore(const std::string& dir, const std::string& name = "s.db") {
  const std::string path = dir + "/" + name;
  auto db = store::Database::Open(path, store::OpenMode::kReadWrite);
  REQUIRE(db.ok());
  REQUIRE(store::EnsureStoreMeta((*db)->sql(), "site-a", base::Instant::FromSeconds(1'700'000'000)).ok());
  return path;
}

}  // namespace

TEST_CASE("A healthy store passes every check", "[store][check]") {
  test_support::TempDir dir;
  const std::string path = MakeStore(dir.path());
  const store::CheckReport r = store::CheckStore(path);
  INFO(Catch::Detail::stringify(Failed(r)));
  CHECK(r.ok);
  for (const char* name :
       {"open", "schema_version", "integrity_check", "foreign_key_check", "schema_objects", "store_meta"}) {
    INFO(name);
    const store::CheckResult c = Find(r, name);
    REQUIRE(c.name == name);
    CHECK(c.ok);
  }
  CHECK(r.checks.size() == 5 + store::ConsistencyChecks().size());
}

TEST_CASE("A missing store fails the open check and is not created", "[store][check]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/nothing.db";
  const store::CheckReport r = store::CheckStore(path);
  CHECK_FALSE(r.ok);
  REQUIRE(r.checks.size() == 1);
  CHECK(r.checks[0].name == "open");
  CHECK(r.checks[0].detail.find("does not exist") != std::string::npos);
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("A wrong schema version is named", "[store][check]") {
  test_support::TempDir dir;
  const std::string path = MakeStore(dir.path());
  SQLite::Database(path, SQLite::OPEN_READWRITE).exec("PRAGMA user_version = 99");
  const store::CheckReport r = store::CheckStore(path);
  CHECK_FALSE(r.ok);
  const store::CheckResult c = Find(r, "schema_version");
  REQUIRE(c.name == "schema_version");
  CHECK_FALSE(c.ok);
  CHECK(c.detail.find("99") != std::string::npos);
}

TEST_CASE("A dropped table is found by schema_objects", "[store][check]") {
  test_support::TempDir dir;
  const std::string path = MakeStore(dir.path());
  SQLite::Database(path, SQLite::OPEN_READWRITE).exec("DROP TABLE audit_log");
  const store::CheckReport r = store::CheckStore(path);
  CHECK_FALSE(r.ok);
  CHECK(Find(r, "integrity_check").ok);  // SQLite alone does not notice
  const store::CheckResult c = Find(r, "schema_objects");
  REQUIRE(c.name == "schema_objects");
  CHECK_FALSE(c.ok);
  CHECK(c.detail.find("table audit_log") != std::string::npos);
  CHECK(c.detail.find("index audit_log_at") != std::string::npos);
}

TEST_CASE("Dangling foreign keys are found", "[store][check]") {
  test_support::TempDir dir;
  const std::string path = MakeStore(dir.path());
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);  // foreign_keys is off on this plain connection
    db.exec("CREATE TABLE parent(id INTEGER PRIMARY KEY)");
    db.exec("CREATE TABLE child(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id))");
    db.exec("INSERT INTO child VALUES (1, 7)");
  }
  const store::CheckReport r = store::CheckStore(path);
  CHECK_FALSE(r.ok);
  const store::CheckResult c = Find(r, "foreign_key_check");
  REQUIRE(c.name == "foreign_key_check");
  CHECK_FALSE(c.ok);
  CHECK(c.detail == "child row 1 references a missing parent row");
  CHECK(Find(r, "schema_objects").ok);  // extra tables are not a failure
}

TEST_CASE("Corrupted pages fail integrity_check", "[store][check]") {
  test_support::TempDir dir;
  const std::string path = MakeStore(dir.path());
  int64_t page_size = 0;
  {
    auto db = store::Database::Open(path, store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    SQLite::Database& sql = (*db)->sql();
    sql.exec("BEGIN");
    SQLite::Statement q(sql, "INSERT INTO audit_log(at_us, actor, action, detail) VALUES (?, 'test', 'fill', ?)");
    for (int i = 0; i < 2000; ++i) {
      q.bind(1, int64_t{i});
      q.bind(2, std::string(100, static_cast<char>('a' + i % 26)));
      q.exec();
      q.reset();
    }
    sql.exec("COMMIT");
    page_size = sql.execAndGet("PRAGMA page_size").getInt64();
  }  // the last connection closing checkpoints the WAL into the file
  const std::string copy = dir.path() + "/copy.db";
  fs::copy_file(path, copy);
  REQUIRE(fs::file_size(copy) > static_cast<uintmax_t>(page_size * 20));
  {
    // The rows just inserted fill the last pages of the file; the first pages
    // are mostly the roots of still-empty tables, where junk goes unnoticed.
    const int64_t pages = static_cast<int64_t>(fs::file_size(copy)) / page_size;
    std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
    for (int64_t page : {pages - 3, pages - 10, pages - 17}) {
      f.seekp(page_size * page + 8);
      const std::string junk(static_cast<size_t>(page_size / 2), '\x5a');
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
  }
  CHECK(store::CheckStore(path).ok);  // the original is untouched
  const store::CheckReport r = store::CheckStore(copy);
  INFO(Catch::Detail::stringify(Failed(r)));
  CHECK_FALSE(r.ok);
  const store::CheckResult c = Find(r, "integrity_check");
  REQUIRE(c.name == "integrity_check");
  CHECK_FALSE(c.ok);
  CHECK_FALSE(c.detail.empty());
}

TEST_CASE("Extra named checks run and are reported by name", "[store][check]") {
  test_support::TempDir dir;
  const std::string path = MakeStore(dir.path());
  const store::NamedCheck extra[] = {
      {"always_fine", [](SQLite::Database&) { return base::Status::Ok(); }},
      {"balances_equal_ledger", [](SQLite::Database&) { return base::Internal("account 3 is off by 1.0000"); }},
      {"throws",
       [](SQLite::Database& db) {
         db.exec("SELECT * FROM no_such_table");
         return base::Status::Ok();
       }},
      {"site_id", [](SQLite::Database& db) { return store::CheckStoreSite(db, "site-b"); }},
  };
  const store::CheckReport r = store::CheckStore(path, extra);
  CHECK_FALSE(r.ok);
  CHECK(Find(r, "always_fine").ok);
  CHECK_FALSE(Find(r, "balances_equal_ledger").ok);
  CHECK(Find(r, "balances_equal_ledger").detail == "account 3 is off by 1.0000");
  CHECK_FALSE(Find(r, "throws").ok);
  CHECK(Find(r, "throws").detail.find("no_such_table") != std::string::npos);
  CHECK_FALSE(Find(r, "site_id").ok);
  CHECK(Find(r, "site_id").detail.find("site-a") != std::string::npos);
  CHECK(Failed(r).size() == 3);
}
