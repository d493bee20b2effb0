#include "store/backup.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/database.h"
#include "store/migrations.h"
#include "store/writer.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
namespace fs = std::filesystem;

TEST_CASE("A backup taken while the writer writes is consistent and opens as a store", "[store][backup]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/live.db";
  const std::string dest = dir.path() + "/backup.db";
  auto w = store::Writer::Start(path);
  REQUIRE(w.ok());
  REQUIRE((*w)->Run([](SQLite::Database& db) {
                db.exec("CREATE TABLE t(k INTEGER NOT NULL, n INTEGER NOT NULL, pad TEXT)");
                return base::Status::Ok();
              })
              .ok());
  // Each job writes 10 rows; a consistent copy holds whole jobs only.
  std::atomic<bool> stop{false};
  std::atomic<int> jobs_done{0};
  std::thread writer_load([&] {
    for (int k = 0; !stop; ++k) {
      base::Status s = (*w)->Run([k](SQLite::Database& db) {
        SQLite::Statement q(db, "INSERT INTO t(k, n, pad) VALUES (?, ?, zeroblob(200))");
        for (int n = 0; n < 10; ++n) {
          q.bind(1, k);
          q.bind(2, n);
          q.exec();
          q.reset();
        }
        return base::Status::Ok();
      });
      if (!s.ok()) break;
      ++jobs_done;
    }
  });
  while (jobs_done < 20) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::ofstream(dest) << "an older backup";  // replaced atomically
  auto info = store::Backup(path, dest);
  const int done_at_backup = jobs_done;
  while (jobs_done < done_at_backup + 5) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop = true;
  writer_load.join();
  REQUIRE(info.ok());
  CHECK(info->schema_version == store::LatestSchemaVersion());
  CHECK(info->bytes == static_cast<int64_t>(fs::file_size(dest)));
  CHECK_FALSE(fs::exists(dest + ".tmp"));
  CHECK((fs::status(dest).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK_FALSE(fs::exists(dest + "-wal"));
  {
    // A single self-contained file.
    SQLite::Database raw(dest, SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "delete");
    CHECK(raw.execAndGet("PRAGMA integrity_check").getString() == "ok");
  }
  // Restoring = using the file as a store.
  auto restored = store::Database::Open(dest, store::OpenMode::kReadWrite);
  REQUIRE(restored.ok());
  SQLite::Database& db = (*restored)->sql();
  CHECK((*restored)->SchemaVersion() == store::LatestSchemaVersion());
  const int64_t rows = db.execAndGet("SELECT count(*) FROM t").getInt64();
  CHECK(rows >= 200);
  CHECK(rows % 10 == 0);
  CHECK(db.execAndGet("SELECT count(*) FROM (SELECT k FROM t GROUP BY k HAVING count(*) != 10)").getInt64() == 0);
  // The writer went on while and after the copy was made.
  auto live = store::Database::Open(path, store::OpenMode::kReadOnly);
  REQUIRE(live.ok());
  CHECK((*live)->sql().execAndGet("SELECT count(*) FROM t").getInt64() > rows);
}

TEST_CASE("Backup refuses a missing store and the store itself", "[store][backup]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/absent.db";
  auto missing = store::Backup(path, dir.path() + "/b.db");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == base::StatusCode::kNotFound);
  CHECK_FALSE(fs::exists(path));  // never created
  CHECK_FALSE(fs::exists(dir.path() + "/b.db"));

  const std::string real = dir.path() + "/real.db";
  REQUIRE(store::Database::Open(real, store::OpenMode::kReadWrite).ok());
  auto self = store::Backup(real, real);
  REQUIRE_FALSE(self.ok());
  CHECK(self.status().code() == base::StatusCode::kInvalidArgument);

  auto bad_dir = store::Backup(real, dir.path() + "/no/such/dir/b.db");
  REQUIRE_FALSE(bad_dir.ok());
  CHECK(bad_dir.status().message().find("no/such/dir") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path() + "/no"));
}

TEST_CASE("The store with its WAL and its backups is private whatever the umask", "[store][backup]") {
  const mode_t old_mask = ::umask(022);  // outside systemd: what a shell gives
  test_support::TempDir dir;
  const std::string path = dir.path() + "/tarifador.db";
  {
    auto w = store::Writer::Start(path);
    REQUIRE(w.ok());
    REQUIRE((*w)->Run([](SQLite::Database& db) {
                  db.exec("CREATE TABLE t(k INTEGER)");
                  db.exec("INSERT INTO t VALUES (1)");
                  return base::Status::Ok();
                })
                .ok());
    for (const char* suffix : {"", "-wal", "-shm"}) {
      INFO(path + suffix);
      REQUIRE(fs::exists(path + suffix));
      CHECK((fs::status(path + suffix).permissions() & fs::perms::all) ==
            (fs::perms::owner_read | fs::perms::owner_write));
    }
    auto backup = store::Backup(path, dir.path() + "/copy.db");
    REQUIRE(backup.ok());
    CHECK((fs::status(dir.path() + "/copy.db").permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
  }
  // A store an older tarifador left readable by all is made private when opened.
  fs::permissions(path,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  REQUIRE(store::Database::Open(path, store::OpenMode::kReadWrite).ok());
  CHECK((fs::status(path).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  ::umask(old_mask);
}
