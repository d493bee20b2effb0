#include "store/alert_outbox.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <functional>

#include "store/audit_store.h"
#include "store/write_job.h"

namespace tarifador::store {
namespace {

constexpr const char* kRecipientColumns =
    "id, name, channel, address, secret, kinds, language, quiet_from, quiet_to, created_us";

AlertRecipient ReadRecipient(SQLite::Statement& st, int first) {
  AlertRecipient r;
  r.id = st.getColumn(first).getInt64();
  r.name = st.getColumn(first + 1).getString();
  r.channel = st.getColumn(first + 2).getString();
  r.address = st.getColumn(first + 3).getString();
  r.secret = st.getColumn(first + 4).getString();
  r.kinds = st.getColumn(first + 5).getString();
  r.language = st.getColumn(first + 6).getString();
  if (!st.getColumn(first + 7).isNull()) r.quiet_from = st.getColumn(first + 7).getInt();
  if (!st.getColumn(first + 8).isNull()) r.quiet_to = st.getColumn(first + 8).getInt();
  r.created_at = base::Instant::FromMicros(st.getColumn(first + 9).getInt64());
  return r;
}

void BindOptionalInt(SQLite::Statement& st, int index, std::optional<int> v) {
  if (v) {
    st.bind(index, *v);
  } else {
    st.bind(index);
  }
}

}  // namespace

void QueueDeliveriesIn(SQLite::Database& db, int64_t alert_id, std::string_view kind, base::Instant at) {
  SQLite::Statement st(db,
                       "INSERT INTO alert_deliveries(alert_id, recipient_id, next_attempt_us) "
                       "SELECT ?, id, ? FROM alert_recipients "
                       "WHERE kinds = '*' OR instr(',' || kinds || ',', ',' || ? || ',') > 0 "
                       "ON CONFLICT(alert_id, recipient_id) DO NOTHING");
  st.bind(1, alert_id);
  st.bind(2, static_cast<int64_t>(at.micros()));
  st.bind(3, std::string(kind));
  st.exec();
}

base::Result<AlertRecipient> AlertOutbox::AddRecipient(const AlertRecipient& recipient, std::string_view actor,
                                                       base::Instant at) {
  AlertRecipient out = recipient;
  base::Status s = WriteJob(writer_, "adding an alert recipient", [&](SQLite::Database& db) -> base::Status {
    SQLite::Statement exists(db, "SELECT 1 FROM alert_recipients WHERE channel = ? AND address = ?");
    exists.bind(1, recipient.channel);
    exists.bind(2, recipient.address);
    if (exists.executeStep()) {
      return base::AlreadyExists("a " + recipient.channel + " recipient for " + recipient.address + " exists");
    }
    SQLite::Statement st(db,
                         "INSERT INTO alert_recipients(name, channel, address, secret, kinds, language, quiet_from, "
                         "quiet_to, created_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, recipient.name);
    st.bind(2, recipient.channel);
    st.bind(3, recipient.address);
    st.bind(4, recipient.secret);
    st.bind(5, recipient.kinds);
    st.bind(6, recipient.language);
    BindOptionalInt(st, 7, recipient.quiet_from);
    BindOptionalInt(st, 8, recipient.quiet_to);
    st.bind(9, static_cast<int64_t>(at.micros()));
    st.exec();
    out.id = db.getLastInsertRowid();
    out.created_at = at;
    // The audit row names where alerts go, never the webhook's secret.
    AppendAuditRow(
        db, AuditEntry{0, at, std::string(actor), "alert_recipient.add", "alert_recipient:" + std::to_string(out.id),
                       AuditDetail({{"channel", recipient.channel},
                                    {"address", recipient.address},
                                    {"kinds", recipient.kinds},
                                    {"language", recipient.language}})});
    return base::Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

base::Status AlertOutbox::RemoveRecipient(int64_t id, std::string_view actor, base::Instant at) {
  return WriteJob(writer_, "removing alert recipient " + std::to_string(id), [&](SQLite::Database& db) {
    SQLite::Statement get(db, "SELECT channel, address FROM alert_recipients WHERE id = ?");
    get.bind(1, id);
    if (!get.executeStep()) return base::NotFound("no alert recipient " + std::to_string(id));
    const std::string channel = get.getColumn(0).getString();
    const std::string address = get.getColumn(1).getString();
    SQLite::Statement del_deliveries(db, "DELETE FROM alert_deliveries WHERE recipient_id = ?");
    del_deliveries.bind(1, id);
    del_deliveries.exec();
    SQLite::Statement del(db, "DELETE FROM alert_recipients WHERE id = ?");
    del.bind(1, id);
    del.exec();
    AppendAuditRow(
        db, AuditEntry{0, at, std::string(actor), "alert_recipient.remove", "alert_recipient:" + std::to_string(id),
                       AuditDetail({{"channel", channel}, {"address", address}})});
    return base::Status::Ok();
  });
}

base::Result<std::vector<AlertRecipient>> AlertOutbox::Recipients() {
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("listing alert recipients");
  try {
    SQLite::Statement st(lease->sql(),
                         std::string("SELECT ") + kRecipientColumns + " FROM alert_recipients ORDER BY id");
    std::vector<AlertRecipient> out;
    while (st.executeStep()) out.push_back(ReadRecipient(st, 0));
    return out;
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("listing alert recipients: ") + e.what());
  }
}

base::Result<std::vector<DueDelivery>> AlertOutbox::Due(base::Instant now, int64_t limit) {
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("reading due alert deliveries");
  try {
    SQLite::Statement st(
        lease->sql(),
        "SELECT d.id, d.attempts, d.alert_id, r.id, r.name, r.channel, r.address, r.secret, r.kinds, "
        "r.language, r.quiet_from, r.quiet_to, r.created_us FROM alert_deliveries d "
        "JOIN alert_recipients r ON r.id = d.recipient_id "
        "WHERE d.state = 'pending' AND d.next_attempt_us <= ? ORDER BY d.next_attempt_us, d.id LIMIT ?");
    st.bind(1, static_cast<int64_t>(now.micros()));
    st.bind(2, limit);
    std::vector<DueDelivery> out;
    std::vector<int64_t> alert_ids;
    while (st.executeStep()) {
      DueDelivery d;
      d.id = st.getColumn(0).getInt64();
      d.attempts = st.getColumn(1).getInt64();
      alert_ids.push_back(st.getColumn(2).getInt64());
      d.recipient = ReadRecipient(st, 3);
      out.push_back(std::move(d));
    }
    for (size_t i = 0; i < out.size(); ++i) {
      base::Result<Alert> alert = GetAlertIn(lease->sql(), alert_ids[i]);
      if (!alert.ok()) return alert.status();
      out[i].alert = std::move(*alert);
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("reading due alert deliveries: ") + e.what());
  }
}

base::Result<std::optional<base::Instant>> AlertOutbox::NextDue() {
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("reading the next alert delivery");
  try {
    SQLite::Statement st(lease->sql(), "SELECT min(next_attempt_us) FROM alert_deliveries WHERE state = 'pending'");
    if (!st.executeStep() || st.getColumn(0).isNull()) return std::optional<base::Instant>();
    return std::optional<base::Instant>(base::Instant::FromMicros(st.getColumn(0).getInt64()));
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("reading the next alert delivery: ") + e.what());
  }
}

base::Status AlertOutbox::MarkSent(int64_t id, base::Instant at) {
  return WriteJob(writer_, "marking alert delivery " + std::to_string(id) + " sent", [&](SQLite::Database& db) {
    SQLite::Statement st(db,
                         "UPDATE alert_deliveries SET state = 'sent', attempts = attempts + 1, sent_us = ?, "
                         "last_error = '' WHERE id = ? AND state = 'pending'");
    st.bind(1, static_cast<int64_t>(at.micros()));
    st.bind(2, id);
    st.exec();
    return base::Status::Ok();
  });
}

base::Status AlertOutbox::MarkAttemptFailed(int64_t id, std::string_view error, std::optional<base::Instant> retry_at) {
  return WriteJob(writer_, "recording a failed alert delivery", [&](SQLite::Database& db) {
    SQLite::Statement st(db,
                         "UPDATE alert_deliveries SET attempts = attempts + 1, last_error = ?, "
                         "state = CASE WHEN ? THEN 'pending' ELSE 'failed' END, "
                         "next_attempt_us = coalesce(?, next_attempt_us) WHERE id = ? AND state = 'pending'");
    st.bind(1, std::string(error.substr(0, 500)));
    st.bind(2, retry_at.has_value() ? 1 : 0);
    if (retry_at) {
      st.bind(3, static_cast<int64_t>(retry_at->micros()));
    } else {
      st.bind(3);
    }
    st.bind(4, id);
    st.exec();
    return base::Status::Ok();
  });
}

base::Status AlertOutbox::Defer(int64_t id, base::Instant until) {
  return WriteJob(writer_, "deferring alert delivery " + std::to_string(id), [&](SQLite::Database& db) {
    SQLite::Statement st(db, "UPDATE alert_deliveries SET next_attempt_us = ? WHERE id = ? AND state = 'pending'");
    st.bind(1, static_cast<int64_t>(until.micros()));
    st.bind(2, id);
    st.exec();
    return base::Status::Ok();
  });
}

base::Result<DeliveryCounts> AlertOutbox::Counts() {
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("counting alert deliveries");
  try {
    SQLite::Statement st(lease->sql(), "SELECT state, count(*) FROM alert_deliveries GROUP BY state");
    DeliveryCounts c;
    while (st.executeStep()) {
      const std::string state = st.getColumn(0).getString();
      const int64_t n = st.getColumn(1).getInt64();
      if (state == "pending") c.pending = n;
      if (state == "sent") c.sent = n;
      if (state == "failed") c.failed = n;
    }
    return c;
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("counting alert deliveries: ") + e.what());
  }
}

}  // namespace tarifador::store
