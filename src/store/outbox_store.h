#pragma once
// The mirror's outbox (sql/0005_outbox.sql, docs/MIRROR.md) as the sync
// worker sees it: triggers queue every CDR, ledger row and account or
// extension change in the transaction that made it; this file turns queuing
// on or off, reads batches in id order and deletes what PostgreSQL committed.
//
// Functions taking a SQLite::Database run on whatever connection they are
// given (a read connection for reads, a Writer job for writes); the Writer
// overloads submit one job and wait. None keeps state; all are thread-safe in
// the sense that each connection is used by one thread at a time.
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

class Writer;

struct OutboxRow {
  int64_t id = 0;
  std::string table;    // "cdrs", "ledger", "accounts", "extensions"
  std::string key;      // the row's key in that table, as text
  std::string payload;  // JSON object of the row's mirrored columns
  int64_t queued_us = 0;
};

struct OutboxBacklog {
  int64_t rows = 0;
  base::Instant oldest;  // queued time of the oldest pending row; zero when none
};

// Turns queuing on (`enabled`) or off. Turning it on when it was off also
// queues every existing account, extension, ledger row and CDR once (in that
// order), so a box that starts mirroring late sends its history; pushing a row
// twice is harmless (the central upsert is keyed). Turning it off empties the
// outbox (a later turn-on re-queues everything). Idempotent. Fails with
// Internal on SQLite errors (nothing changes).
base::Status SetOutboxEnabled(SQLite::Database& db, bool enabled);
base::Status SetOutboxEnabled(Writer& writer, bool enabled);

// Whether the triggers queue now. Fails with Internal.
base::Result<bool> OutboxEnabled(SQLite::Database& db);

// At most `limit` (>= 1) pending rows with id > `after_id`, in id order.
base::Result<std::vector<OutboxRow>> ReadOutbox(SQLite::Database& db, int64_t after_id, int64_t limit);

// Pending rows and the oldest one's queued time. Fails with Internal.
base::Result<OutboxBacklog> ReadOutboxBacklog(SQLite::Database& db);

// Deletes every pending row with id <= `up_to_id` (what was pushed). Ids only
// grow (AUTOINCREMENT, one writer), so nothing queued later is touched.
base::Status DeleteOutboxUpTo(SQLite::Database& db, int64_t up_to_id);
base::Status DeleteOutboxUpTo(Writer& writer, int64_t up_to_id);

}  // namespace tarifador::store
