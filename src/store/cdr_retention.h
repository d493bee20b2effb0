#pragma once
// CDR retention (SPEC section 5, docs/OPERATIONS.md "CDR retention"): CDRs
// older than a configured age are deleted once they were exported and
// mirrored, never before. The policy (which age, which export kinds count)
// comes from app; this file applies it to the store.
//
// A CDR is pruned only when all of these hold:
//  (a) its end (its start when it has no end) is before `cutoff`;
//  (b) for every required export kind ("daily", "monthly"), an export_runs
//      row of that kind with status 'ok' has [from_us, to_us) containing the
//      CDR's start (periods are keyed by start time, src/export/scheduler.cpp)
//      and started after the CDR was billed (billed_us < started_us), so a
//      call written after its period's file was made (a very long call) is
//      known to be missing from that file and is kept;
//  (c) while the mirror queues (outbox_state.enabled = 1), no outbox row
//      tbl = 'cdrs', row_key = uuid is pending.
// Nothing else is touched: ledger rows (append-only, they keep call_uuid),
// accounts, the outbox. No trigger fires on a CDR delete (sql/0005), so
// pruning queues nothing for PostgreSQL: head office keeps its copy.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

class Writer;

struct RetentionOptions {
  base::Instant cutoff;  // CDRs that ended before this are old enough
  // Export kinds ("daily", "monthly") whose 'ok' run must cover a CDR. Empty
  // is refused (InvalidArgument): with no export, nothing is ever pruned.
  std::vector<std::string> export_kinds;
  // Candidate CDRs examined per writer job (one transaction slice), so the
  // live billing writer waits at most one chunk. >= 1.
  int64_t chunk_rows = 5000;
  bool dry_run = false;  // count only: nothing is deleted
  // Optional: asked between chunks; true ends the run early with what was
  // done so far (service shutdown).
  std::function<bool()> stop;
};

struct RetentionResult {
  int64_t pruned = 0;             // deleted (dry run: would be deleted)
  int64_t kept_not_exported = 0;  // old enough, but no 'ok' run of some required kind covers it
  int64_t kept_not_mirrored = 0;  // old and exported, but its outbox row is still pending
  int64_t chunks = 0;             // writer jobs (dry run: read slices) used
  bool mirror_enabled = false;    // outbox_state.enabled when the last chunk ran
};

// Examines every CDR started before options.cutoff, oldest first, in chunks
// of options.chunk_rows, each chunk one job on `writer` (its deletes commit
// with that job's batch, so an interruption keeps what was already pruned
// and a rerun goes on). Dry run: the same walk on a read-only connection of
// the writer's store file, nothing written. Idempotent: a second run prunes
// 0. Fails with InvalidArgument for bad options (nothing changes), Internal
// on SQLite errors (chunks already committed stay pruned; the result is
// lost). Must not be called from inside a writer job. Thread-safe.
base::Result<RetentionResult> PruneCdrs(Writer& writer, const RetentionOptions& options);

// The dry run on the store file at `store_path`, opened read-only (never
// created, migrated or changed). Fails as PruneCdrs, or as Database::Open
// (missing file, older schema).
base::Result<RetentionResult> CountPrunableCdrs(const std::string& store_path, const RetentionOptions& options);

// One chunk on `db` (a writer job's connection, or any connection for a dry
// run): the next at most options.chunk_rows CDRs started before the cutoff
// with (start_us, uuid) after the cursor; prunes (unless dry run) the ones
// the rules allow and adds to `result`. Advances the cursor; returns whether
// more candidates may follow. Throws SQLite::Exception. For PruneCdrs and
// tests (EXPLAIN QUERY PLAN).
struct RetentionCursor {
  int64_t start_us = INT64_MIN;
  std::string uuid;
};
bool PruneCdrChunk(SQLite::Database& db, const RetentionOptions& options, RetentionCursor& cursor,
                   RetentionResult& result);

// The candidate query PruneCdrChunk runs (for EXPLAIN QUERY PLAN in tests).
std::string RetentionCandidateSql(const RetentionOptions& options);

}  // namespace tarifador::store
