#pragma once
// Alerts (sql/0012_alerts.sql, docs/ALERTS.md): raised inside the transaction
// of the change that caused them (RaiseAlertIn), listed and acknowledged by
// people (AlertStore).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "store/read_pool.h"
#include "store/writer.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

// Every kind of alert (docs/ALERTS.md), as recipients name them.
inline constexpr std::array<std::string_view, 9> kAlertKinds = {"budget_warning", "budget_reached", "low_balance",
                                                                "guard_tripped",  "spend_spike",    "pin_failures",
                                                                "link_down",      "export_failed",  "mirror_backlog"};

struct Alert {
  int64_t id = 0;
  std::string kind;      // one of kAlertKinds
  std::string severity;  // "warning" | "critical"
  std::optional<int64_t> account_id;
  std::string detail;  // a JSON object as text
  base::Instant created_at;
  std::optional<base::Instant> acknowledged_at;
  std::string acknowledged_by;  // empty while open

  bool open() const { return !acknowledged_at.has_value(); }
};

struct NewAlert {
  std::string kind;
  std::string severity;
  std::string dedupe_key;
  std::optional<int64_t> account_id;
  std::string detail;  // a JSON object as text
};

// Inserts `alert` unless one with its dedupe_key exists; true when inserted.
// Inside the caller's transaction. Throws SQLite::Exception.
bool RaiseAlertIn(SQLite::Database& db, const NewAlert& alert, base::Instant at);

// The alert `id` read inside the caller's transaction or read lease;
// NotFound when there is none. Throws SQLite::Exception.
base::Result<Alert> GetAlertIn(SQLite::Database& db, int64_t id);

// Thread-safe.
class AlertStore {
 public:
  // Borrows both; they must outlive the store.
  AlertStore(Writer& writer, ReadPool& reads) : writer_(writer), reads_(reads) {}

  // Newest first, ids below `before_id` (0: from the newest), at most
  // `limit`; only open ones when `open_only`.
  base::Result<std::vector<Alert>> List(bool open_only, int64_t before_id, int64_t limit);
  base::Result<int64_t> OpenCount();
  // Marks the alert acknowledged by `actor` at `at` and audits it
  // ("alert.acknowledge"), in one transaction. An alert already acknowledged
  // is returned as it is (nothing changes). NotFound for an unknown id.
  base::Result<Alert> Acknowledge(int64_t id, std::string_view actor, base::Instant at);

 private:
  Writer& writer_;
  ReadPool& reads_;
};

}  // namespace tarifador::store
