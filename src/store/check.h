#pragma once
// `tarifador check` (SPEC sections 3 and 10): proves a store is sound. Fixed
// checks first (the file opens, the schema version is this binary's,
// PRAGMA integrity_check, PRAGMA foreign_key_check, every table and index the
// migrations create exists), then the named consistency checks of
// ConsistencyChecks(): the place where rules such as "balances equal ledger
// sums" are added, one line each.
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

// A named rule over the whole store. Returns OK when it holds, otherwise a
// Status whose message says what is wrong (e.g. which account is off by how
// much). May throw SQLite::Exception; CheckStore reports that as a failure.
struct NamedCheck {
  std::string_view name;  // snake_case, stable: scripts read it from the report
  std::function<base::Status(SQLite::Database& db)> run;
};

// The registry of consistency checks run by every `tarifador check`.
std::span<const NamedCheck> ConsistencyChecks();

struct CheckResult {
  std::string name;
  bool ok = false;
  std::string detail;  // why it failed, or a short note when it passed
};

struct CheckReport {
  bool ok = false;  // every check passed
  std::vector<CheckResult> checks;
};

// Runs every check on the store file at `store_path`, opened read-only (it is
// never created or changed; safe while the service runs). ConsistencyChecks()
// run first, then `extra` (checks that need outside facts, such as the
// configured site id). A missing or unreadable file yields a report with a
// failed "open" check. Never throws. Thread-safe.
CheckReport CheckStore(const std::string& store_path, std::span<const NamedCheck> extra = {});

}  // namespace tarifador::store
