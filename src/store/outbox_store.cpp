#include "store/outbox_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/writer.h"

namespace tarifador::store {
namespace {

// The backfill queues rows as the triggers would: same keys, same payloads.
// Kept next to sql/0005_outbox.sql's triggers in spirit; the unit test checks
// a backfilled row equals a trigger-queued one.
constexpr const char* kBackfill[] = {
    "INSERT INTO outbox(tbl, row_key, payload, queued_us) SELECT 'accounts', CAST(id AS TEXT), json_object("
    "'id', id, 'name', name, 'type', type, 'credit_limit_micros', credit_limit_micros, "
    "'monthly_budget_micros', monthly_budget_micros, 'balance_micros', balance_micros, "
    "'created_us', created_us, 'updated_us', updated_us, 'budget_mode', budget_mode, "
    "'budget_warn_percent', budget_warn_percent, 'low_balance_micros', low_balance_micros, "
    "'daily_limit_micros', daily_limit_micros), updated_us "
    "FROM accounts ORDER BY id",
    "INSERT INTO outbox(tbl, row_key, payload, queued_us) SELECT 'extensions', number, json_object("
    "'number', number, 'name', name, 'account_id', account_id, 'rate_plan', rate_plan, "
    "'enabled', enabled, 'created_us', created_us, 'updated_us', updated_us), updated_us "
    "FROM extensions ORDER BY number",
    "INSERT INTO outbox(tbl, row_key, payload, queued_us) SELECT 'ledger', CAST(id AS TEXT), json_object("
    "'id', id, 'account_id', account_id, 'kind', kind, 'amount_micros', amount_micros, "
    "'balance_after_micros', balance_after_micros, 'actor', actor, 'reason', reason, "
    "'at_us', at_us, 'call_uuid', call_uuid, 'idempotency_key', idempotency_key), at_us FROM ledger ORDER BY id",
    "INSERT INTO outbox(tbl, row_key, payload, queued_us) SELECT 'cdrs', uuid, json_object("
    "'uuid', uuid, 'linked_uuids', linked_uuids, 'direction', direction, "
    "'caller', caller, 'caller_name', caller_name, 'account_id', account_id, "
    "'destination', destination, 'normalised_number', normalised_number, 'zone', zone, "
    "'prefix', prefix, 'rate_plan', rate_plan, 'price_per_minute_micros', price_per_minute_micros, "
    "'connection_fee_micros', connection_fee_micros, 'start_us', start_us, 'answer_us', answer_us, "
    "'bridge_us', bridge_us, 'end_us', end_us, 'duration_s', duration_s, 'billsec', billsec, "
    "'billusec', billusec, 'billable_seconds', billable_seconds, 'cost_micros', cost_micros, "
    "'charged_micros', charged_micros, 'hangup_cause', hangup_cause, 'disposition', disposition, "
    "'deny_reason', deny_reason, 'gateway', gateway, 'billed_us', billed_us, 'pin_id', pin_id, "
    "'pin_owner', pin_owner), billed_us "
    "FROM cdrs ORDER BY billed_us, uuid",
};

}  // namespace

base::Result<bool> OutboxEnabled(SQLite::Database& db) {
  try {
    return db.execAndGet("SELECT enabled FROM outbox_state WHERE id = 1").getInt() == 1;
  } catch (const SQLite::Exception& e) {
    return base::Internal(std::string("reading outbox_state: ") + e.what());
  }
}

base::Status SetOutboxEnabled(SQLite::Database& db, bool enabled) {
  try {
    const bool was = db.execAndGet("SELECT enabled FROM outbox_state WHERE id = 1").getInt() == 1;
    if (was == enabled) return base::Status::Ok();
    db.exec(enabled ? "UPDATE outbox_state SET enabled = 1 WHERE id = 1"
                    : "UPDATE outbox_state SET enabled = 0 WHERE id = 1");
    if (enabled) {
      for (const char* sql : kBackfill) db.exec(sql);
    } else {
      // Turning it on again re-queues everything, so what waits is moot.
      db.exec("DELETE FROM outbox");
    }
  } catch (const SQLite::Exception& e) {
    return base::Internal(std::string(enabled ? "enabling" : "disabling") + " the mirror outbox: " + e.what());
  }
  return base::Status::Ok();
}

base::Status SetOutboxEnabled(Writer& writer, bool enabled) {
  return writer.Run([enabled](SQLite::Database& db) { return SetOutboxEnabled(db, enabled); });
}

base::Result<std::vector<OutboxRow>> ReadOutbox(SQLite::Database& db, int64_t after_id, int64_t limit) {
  if (limit < 1) return base::InvalidArgument("reading the outbox: limit " + std::to_string(limit) + " is below 1");
  std::vector<OutboxRow> rows;
  try {
    SQLite::Statement q(db, "SELECT id, tbl, row_key, payload, queued_us FROM outbox WHERE id > ? ORDER BY id LIMIT ?");
    q.bind(1, static_cast<int64_t>(after_id));
    q.bind(2, static_cast<int64_t>(limit));
    while (q.executeStep()) {
      rows.push_back(OutboxRow{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                               q.getColumn(3).getString(), q.getColumn(4).getInt64()});
    }
  } catch (const SQLite::Exception& e) {
    return base::Internal(std::string("reading the outbox: ") + e.what());
  }
  return rows;
}

base::Result<OutboxBacklog> ReadOutboxBacklog(SQLite::Database& db) {
  try {
    // The oldest pending row is the lowest id; its queued time is the change's.
    SQLite::Statement q(db, "SELECT count(*), (SELECT queued_us FROM outbox ORDER BY id LIMIT 1) FROM outbox");
    q.executeStep();
    OutboxBacklog b;
    b.rows = q.getColumn(0).getInt64();
    if (!q.getColumn(1).isNull()) b.oldest = base::Instant::FromMicros(q.getColumn(1).getInt64());
    return b;
  } catch (const SQLite::Exception& e) {
    return base::Internal(std::string("counting the outbox: ") + e.what());
  }
}

base::Status DeleteOutboxUpTo(SQLite::Database& db, int64_t up_to_id) {
  try {
    SQLite::Statement del(db, "DELETE FROM outbox WHERE id <= ?");
    del.bind(1, static_cast<int64_t>(up_to_id));
    del.exec();
  } catch (const SQLite::Exception& e) {
    return base::Internal("deleting pushed outbox rows up to id " + std::to_string(up_to_id) + ": " + e.what());
  }
  return base::Status::Ok();
}

base::Status DeleteOutboxUpTo(Writer& writer, int64_t up_to_id) {
  return writer.Run([up_to_id](SQLite::Database& db) { return DeleteOutboxUpTo(db, up_to_id); });
}

}  // namespace tarifador::store
