#pragma once
// One SQLite connection to the store file, configured for tarifador:
// WAL journal (readers never block the writer), synchronous=FULL (a committed
// charge survives a power cut on a router), foreign keys on, busy timeout.
// A Database is used by one thread at a time; open one per thread.
#include <memory>
#include <string>

#include "base/status.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

enum class OpenMode {
  kReadWrite,  // create the file if missing and apply pending migrations
  kReadOnly,   // for queries; fails if the file is missing or its schema is not current
};

// Who may use the connection. kAnyThread serialises every SQLite call on the
// connection's mutex; kOneThreadAtATime (a pool lease, the writer's own
// connection) skips that lock, which is a tenth of a long walk's CPU.
enum class ConnectionSharing { kAnyThread, kOneThreadAtATime };

class Database {
 public:
  // Opens `path`. Fails with Unavailable when the file cannot be opened,
  // Internal when a migration fails, FailedPrecondition on a newer schema.
  static base::Result<std::unique_ptr<Database>> Open(const std::string& path, OpenMode mode,
                                                      ConnectionSharing sharing = ConnectionSharing::kAnyThread);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The SQLiteCpp connection; throws SQLite::Exception, which callers inside
  // store/ catch and convert (STYLE.md habit 2).
  SQLite::Database& sql() { return *db_; }
  const std::string& path() const { return path_; }
  int SchemaVersion();

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  Database(Key, std::string path, std::unique_ptr<SQLite::Database> db);

 private:
  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace tarifador::store
