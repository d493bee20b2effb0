#pragma once
// Pushes one outbox batch into the central PostgreSQL in one transaction
// (docs/MIRROR.md "How a batch travels"): per table, the payloads are turned
// into COPY text rows here (sync/copy_rows.h), COPYed into a session staging
// table (temporary, emptied at commit), then moved with one
//   INSERT ... SELECT FROM staging ON CONFLICT (site_id, key) DO UPDATE
// (DO NOTHING for the append-only ledger), so a batch sent twice leaves the
// same rows as a batch sent once. COPY spares the server parsing JSON, which
// cost more than the inserts themselves.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/outbox_store.h"
#include "sync/pg_connection.h"

namespace tarifador::sync {

// Upserts `rows` (in id order) as site `site_id`: BEGIN, one statement per
// table present, COMMIT. When a key appears more than once in the batch the
// latest row wins (an account updated by several calls). On failure the
// transaction is rolled back and nothing of the batch is kept. Fails with
// InvalidArgument for an unknown table name (a newer outbox than this
// binary) or a payload that is not a flat JSON object, both before anything
// is sent; Unavailable when the connection broke, Internal otherwise.
base::Status PushBatch(PgConnection& pg, const std::string& site_id, std::span<const store::OutboxRow> rows);

// A self-contained upsert for `table` ($1 site id, $2 a JSON array of
// payloads, read with jsonb_populate_recordset), keyed like PushBatch; "" for
// an unknown table. For the benchmark's naive one-row-per-statement
// comparison; PushBatch itself uses COPY.
std::string UpsertStatement(std::string_view table);

}  // namespace tarifador::sync
