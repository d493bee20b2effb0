#include "store/database.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "base/private_files.h"
#include "store/migrations.h"

namespace tarifador::store {

Database::Database(Key, std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

Database::~Database() = default;

base::Result<std::unique_ptr<Database>> Database::Open(const std::string& path, OpenMode mode,
                                                       ConnectionSharing sharing) {
  if (mode == OpenMode::kReadWrite) {
    // SQLite gives -wal and -shm the database file's mode: a 0600 store
    // keeps all three private, whatever the umask.
    TARIFADOR_RETURN_IF_ERROR(base::EnsurePrivateFile(path).WithContext("opening store"));
    for (const char* suffix : {"-wal", "-shm"}) {
      TARIFADOR_RETURN_IF_ERROR(base::EnsurePrivateFile(path + suffix, /*create=*/false).WithContext("opening store"));
    }
  }
  std::unique_ptr<SQLite::Database> db;
  try {
    const int flags =
        mode == OpenMode::kReadWrite ? SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE : SQLite::OPEN_READONLY;
    const int threads = sharing == ConnectionSharing::kAnyThread ? SQLite::OPEN_FULLMUTEX : SQLite::OPEN_NOMUTEX;
    db = std::make_unique<SQLite::Database>(path, flags | threads, /*busyTimeoutMs=*/10000);
    if (mode == OpenMode::kReadWrite) {
      // journal_mode is persistent in the file; readers inherit WAL.
      const std::string jm = db->execAndGet("PRAGMA journal_mode=WAL").getString();
      if (jm != "wal") return base::Unavailable("store \"" + path + "\": cannot enable WAL (got " + jm + ")");
    }
    db->exec("PRAGMA synchronous=FULL");
    db->exec("PRAGMA foreign_keys=ON");
  } catch (const SQLite::Exception& e) {
    return base::Unavailable("opening store \"" + path + "\": " + e.what());
  }
  if (mode == OpenMode::kReadWrite) {
    base::Status s = ApplyMigrations(*db, EmbeddedMigrations());
    if (!s.ok()) return s.WithContext("opening store \"" + path + "\"");
  } else {
    try {
      const int v = db->execAndGet("PRAGMA user_version").getInt();
      if (v != LatestSchemaVersion()) {
        return base::FailedPrecondition("store \"" + path + "\" has schema version " + std::to_string(v) +
                                        ", this tarifador needs " + std::to_string(LatestSchemaVersion()));
      }
    } catch (const SQLite::Exception& e) {
      return base::Unavailable("reading store \"" + path + "\": " + e.what());
    }
  }
  return std::make_unique<Database>(Key{}, path, std::move(db));
}

int Database::SchemaVersion() {
  try {
    return db_->execAndGet("PRAGMA user_version").getInt();
  } catch (const SQLite::Exception&) {
    return -1;
  }
}

}  // namespace tarifador::store
