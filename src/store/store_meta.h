#pragma once
// Facts about a store recorded once, when it is first used: the site id and
// the creation time (table store_meta, sql/0001_core.sql). Head office keys
// mirrored rows by (site id, uuid) (SPEC section 6), so a store must never
// start reporting under another site id.
#include <optional>
#include <string>

#include "base/status.h"
#include "base/time.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

class Writer;

struct StoreMeta {
  std::optional<std::string> site_id;     // nullopt: not recorded yet
  std::optional<std::string> created_at;  // ISO 8601 UTC, e.g. "2026-01-02T03:04:05Z"
};

// Reads store_meta. Fails with Internal on SQLite errors.
base::Result<StoreMeta> ReadStoreMeta(SQLite::Database& db);

// On a store without a site id: records `site_id` and `now` as created_at.
// On a store with one: OK when it equals `site_id`, otherwise
// FailedPrecondition with a message saying how to fix the config.
// Runs its own writes; call it inside a transaction (a Writer job) or on a
// connection with none. Precondition: `site_id` is non-empty.
base::Status EnsureStoreMeta(SQLite::Database& db, const std::string& site_id, base::Instant now);

// EnsureStoreMeta as one job on `writer` (what the app calls at startup).
// Blocks until committed. Must not be called from inside a job.
base::Status EnsureStoreMeta(Writer& writer, const std::string& site_id, base::Instant now);

// Without changing anything: OK when the store has no site id yet or has
// `site_id`; FailedPrecondition as EnsureStoreMeta otherwise (for `check`).
base::Status CheckStoreSite(SQLite::Database& db, const std::string& site_id);

// A consistency check (check.h): recorded values, if any, are well formed
// (site id non-empty, created_at parses as ISO 8601).
base::Status CheckStoreMetaWellFormed(SQLite::Database& db);

}  // namespace tarifador::store
