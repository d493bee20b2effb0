#pragma once
// Online backup of the store (SPEC section 5: `tarifador backup FILE`) with
// SQLite's backup API: the copy is one consistent snapshot taken inside a read
// transaction, so the service keeps writing meanwhile (WAL) and the copy holds
// whole committed transactions only.
#include <cstdint>
#include <string>

#include "base/status.h"

namespace tarifador::store {

struct BackupInfo {
  int64_t bytes = 0;       // size of the finished backup file
  int schema_version = 0;  // PRAGMA user_version of the copy
};

// Copies the store at `store_path` to `dest_file`. The copy is written to
// dest_file + ".tmp", verified (PRAGMA quick_check, same schema version),
// made a self-contained single file (rollback journal mode; the store turns
// it back into WAL when it is opened as a store), synced, and only then
// renamed over `dest_file` (mode 0600); a failed backup leaves any older `dest_file`
// untouched and no temporary file behind.
// Fails with NotFound when the store file does not exist (it is never
// created), InvalidArgument when `dest_file` is the store itself, Internal or
// Unavailable on I/O or SQLite errors (message names the file).
// Thread-safe; uses its own connections.
base::Result<BackupInfo> Backup(const std::string& store_path, const std::string& dest_file);

}  // namespace tarifador::store
