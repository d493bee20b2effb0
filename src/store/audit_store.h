#pragma once
// The audit log (SPEC section 7: "audit log of every change"), table audit_log
// from sql/0001_core.sql.
//
// A change and its audit row are written in one transaction: stores that make
// changes call AppendAuditRow inside their own transaction. AuditStore is for
// events that change nothing else (a failed login) and for reading the log.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "store/database.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

struct AuditEntry {
  int64_t id = 0;  // assigned by the store; ignored when appending
  base::Instant at;
  std::string actor;   // "user:alice", "token:dialplan", "cli", "setup", "ip:192.0.2.7"
  std::string action;  // "user.add", "token.create", "session.login", ...
  std::string target;  // what was acted on: "user:bob", "token:dialplan"; may be empty
  std::string detail;  // a JSON object as text; empty means {}
};

// A JSON object text from string pairs, escaped correctly, e.g.
// AuditDetail({{"role", "admin"}}) == R"({"role":"admin"})". For audit details,
// which store code writes without a JSON library.
std::string AuditDetail(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

// Inserts one audit row on `db`. For store code, inside the transaction of the
// change it records. Throws SQLite::Exception like every SQLiteCpp call; the
// caller's catch converts it (STYLE.md habit 2).
void AppendAuditRow(SQLite::Database& db, const AuditEntry& entry);

// Reads and appends audit rows on its own connection.
// Thread-safe: calls are serialised by an internal mutex.
class AuditStore {
 public:
  // Takes ownership of a read-write connection to the store.
  AuditStore(std::unique_ptr<Database> db, const base::Clock& clock);

  // Appends an entry stamped with the clock's time (entry.at is ignored).
  // Fails with Unavailable when the store cannot be written.
  base::Status Append(std::string_view actor, std::string_view action, std::string_view target,
                      std::string_view detail_json);

  // The newest `limit` entries, newest first; only those whose action equals
  // `action` when it is not empty. Fails with Unavailable on a store error.
  base::Result<std::vector<AuditEntry>> List(int limit, std::string_view action = {});

 private:
  std::mutex mu_;
  std::unique_ptr<Database> db_;
  const base::Clock& clock_;
};

}  // namespace tarifador::store
