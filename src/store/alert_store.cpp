#include "store/alert_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/alert_outbox.h"
#include "store/audit_store.h"

namespace tarifador::store {
namespace {

constexpr const char* kColumns = "id, kind, severity, account_id, detail, created_us, acknowledged_us, acknowledged_by";

Alert ReadAlert(SQLite::Statement& st) {
  Alert a;
  a.id = st.getColumn(0).getInt64();
  a.kind = st.getColumn(1).getString();
  a.severity = st.getColumn(2).getString();
  if (!st.getColumn(3).isNull()) a.account_id = st.getColumn(3).getInt64();
  a.detail = st.getColumn(4).getString();
  a.created_at = base::Instant::FromMicros(st.getColumn(5).getInt64());
  if (!st.getColumn(6).isNull()) a.acknowledged_at = base::Instant::FromMicros(st.getColumn(6).getInt64());
  if (!st.getColumn(7).isNull()) a.acknowledged_by = st.getColumn(7).getString();
  return a;
}

}  // namespace

base::Result<Alert> GetAlertIn(SQLite::Database& db, int64_t id) {
  SQLite::Statement st(db, std::string("SELECT ") + kColumns + " FROM alerts WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return base::NotFound("no alert " + std::to_string(id));
  return ReadAlert(st);
}

bool RaiseAlertIn(SQLite::Database& db, const NewAlert& alert, base::Instant at) {
  SQLite::Statement st(db,
                       "INSERT INTO alerts(kind, dedupe_key, severity, account_id, detail, created_us) "
                       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(dedupe_key) DO NOTHING");
  st.bind(1, alert.kind);
  st.bind(2, alert.dedupe_key);
  st.bind(3, alert.severity);
  if (alert.account_id) {
    st.bind(4, *alert.account_id);
  } else {
    st.bind(4);
  }
  st.bind(5, alert.detail.empty() ? std::string("{}") : alert.detail);
  st.bind(6, static_cast<int64_t>(at.micros()));
  if (st.exec() != 1) return false;
  QueueDeliveriesIn(db, db.getLastInsertRowid(), alert.kind, at);
  return true;
}

base::Result<std::vector<Alert>> AlertStore::List(bool open_only, int64_t before_id, int64_t limit) {
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("listing alerts");
  try {
    std::string sql = std::string("SELECT ") + kColumns + " FROM alerts WHERE id < ?";
    if (open_only) sql += " AND acknowledged_us IS NULL";
    sql += " ORDER BY id DESC LIMIT ?";
    SQLite::Statement st(lease->sql(), sql);
    st.bind(1, before_id > 0 ? before_id : INT64_MAX);
    st.bind(2, limit);
    std::vector<Alert> out;
    while (st.executeStep()) out.push_back(ReadAlert(st));
    return out;
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("listing alerts: ") + e.what());
  }
}

base::Result<int64_t> AlertStore::OpenCount() {
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("counting alerts");
  try {
    return lease->sql().execAndGet("SELECT count(*) FROM alerts WHERE acknowledged_us IS NULL").getInt64();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("counting alerts: ") + e.what());
  }
}

base::Result<Alert> AlertStore::Acknowledge(int64_t id, std::string_view actor, base::Instant at) {
  std::optional<base::Result<Alert>> out;
  base::Status s = writer_.Run([&](SQLite::Database& db) {
    try {
      base::Result<Alert> alert = GetAlertIn(db, id);
      if (alert.ok() && alert->open()) {
        SQLite::Statement st(db, "UPDATE alerts SET acknowledged_us = ?, acknowledged_by = ? WHERE id = ?");
        st.bind(1, static_cast<int64_t>(at.micros()));
        st.bind(2, std::string(actor));
        st.bind(3, id);
        st.exec();
        AppendAuditRow(db, AuditEntry{0, at, std::string(actor), "alert.acknowledge", "alert:" + std::to_string(id),
                                      AuditDetail({{"kind", alert->kind}})});
        alert = GetAlertIn(db, id);
      }
      base::Status status = alert.status();
      out.emplace(std::move(alert));
      return status;
    } catch (const SQLite::Exception& e) {
      return base::Unavailable(std::string("acknowledging alert ") + std::to_string(id) + ": " + e.what());
    }
  });
  if (!s.ok()) return s;
  return std::move(*out);
}

}  // namespace tarifador::store
