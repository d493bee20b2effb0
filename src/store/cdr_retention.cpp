#include "store/cdr_retention.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/database.h"
#include "store/writer.h"

namespace tarifador::store {
namespace {

base::Status Validate(const RetentionOptions& options) {
  if (options.chunk_rows < 1) {
    return base::InvalidArgument("pruning CDRs: chunk size " + std::to_string(options.chunk_rows) + " is below 1");
  }
  if (options.export_kinds.empty()) {
    return base::InvalidArgument("pruning CDRs: no export kind is required, so no CDR counts as exported");
  }
  for (const std::string& kind : options.export_kinds) {
    if (kind != "daily" && kind != "monthly") {
      return base::InvalidArgument("pruning CDRs: unknown export kind \"" + kind + "\" (daily or monthly)");
    }
  }
  return base::Status::Ok();
}

}  // namespace

std::string RetentionCandidateSql(const RetentionOptions& options) {
  // ?1 cutoff, ?2/?3 cursor (start_us, uuid), ?4 limit, ?5... export kinds.
  std::string exported;
  for (size_t i = 0; i < options.export_kinds.size(); ++i) {
    if (!exported.empty()) exported += " AND ";
    exported.append("EXISTS (SELECT 1 FROM export_runs r WHERE r.status = 'ok' AND r.kind = ?")
        .append(std::to_string(5 + i))
        .append(" AND r.from_us <= c.start_us AND c.start_us < r.to_us AND c.billed_us < r.started_us)");
  }
  if (exported.empty()) exported.push_back('0');  // not = "0": GCC 12 -Wrestrict false positive at -O2
  return std::string("SELECT c.uuid, c.start_us, (CASE WHEN c.end_us > 0 THEN c.end_us ELSE c.start_us END) < ?1, (")
      .append(exported)
      .append(
          "), EXISTS (SELECT 1 FROM outbox o WHERE o.tbl = 'cdrs' AND o.row_key = c.uuid) "
          "FROM cdrs c WHERE c.start_us < ?1 AND (c.start_us, c.uuid) > (?2, ?3) "
          "ORDER BY c.start_us, c.uuid LIMIT ?4");
}

bool PruneCdrChunk(SQLite::Database& db, const RetentionOptions& options, RetentionCursor& cursor,
                   RetentionResult& result) {
  result.mirror_enabled = db.execAndGet("SELECT enabled FROM outbox_state WHERE id = 1").getInt() == 1;
  SQLite::Statement q(db, RetentionCandidateSql(options));
  q.bind(1, static_cast<int64_t>(options.cutoff.micros()));
  q.bind(2, static_cast<int64_t>(cursor.start_us));
  q.bind(3, cursor.uuid);
  q.bind(4, static_cast<int64_t>(options.chunk_rows));
  for (size_t i = 0; i < options.export_kinds.size(); ++i) q.bind(static_cast<int>(5 + i), options.export_kinds[i]);
  std::vector<std::string> doomed;
  int64_t seen = 0;
  while (q.executeStep()) {
    ++seen;
    cursor.start_us = q.getColumn(1).getInt64();
    cursor.uuid = q.getColumn(0).getString();
    // A call that began before the cutoff but ended after it is not old yet.
    if (q.getColumn(2).getInt() == 0) continue;
    if (q.getColumn(3).getInt() == 0) {
      ++result.kept_not_exported;
    } else if (result.mirror_enabled && q.getColumn(4).getInt() != 0) {
      ++result.kept_not_mirrored;
    } else {
      doomed.push_back(cursor.uuid);
    }
  }
  ++result.chunks;
  if (!options.dry_run && !doomed.empty()) {
    SQLite::Statement del(db, "DELETE FROM cdrs WHERE uuid = ?");
    for (const std::string& uuid : doomed) {
      del.bind(1, uuid);
      del.exec();
      del.reset();
    }
  }
  result.pruned += static_cast<int64_t>(doomed.size());
  return seen == options.chunk_rows;
}

base::Result<RetentionResult> CountPrunableCdrs(const std::string& store_path, const RetentionOptions& options) {
  TARIFADOR_RETURN_IF_ERROR(Validate(options));
  RetentionOptions dry = options;
  dry.dry_run = true;
  base::Result<std::unique_ptr<Database>> db = Database::Open(store_path, OpenMode::kReadOnly);
  if (!db.ok()) return db.status();
  RetentionResult result;
  RetentionCursor cursor;
  try {
    while (PruneCdrChunk((*db)->sql(), dry, cursor, result)) {
      if (dry.stop && dry.stop()) break;
    }
  } catch (const SQLite::Exception& e) {
    return base::Internal(std::string("counting prunable CDRs: ") + e.what());
  }
  return result;
}

base::Result<RetentionResult> PruneCdrs(Writer& writer, const RetentionOptions& options) {
  TARIFADOR_RETURN_IF_ERROR(Validate(options));
  if (options.dry_run) return CountPrunableCdrs(writer.store_path(), options);
  RetentionResult result;
  RetentionCursor cursor;
  bool more = true;
  while (more && !(options.stop && options.stop())) {
    // Each chunk is its own job: the billing writer's jobs run in between.
    RetentionResult chunk = result;
    RetentionCursor next = cursor;
    base::Status s = writer.Run([&](SQLite::Database& db) -> base::Status {
      try {
        more = PruneCdrChunk(db, options, next, chunk);
      } catch (const SQLite::Exception& e) {
        return base::Internal("pruning CDRs: " + std::string(e.what()));
      }
      return base::Status::Ok();
    });
    if (!s.ok()) return s;
    result = chunk;
    cursor = next;
  }
  return result;
}

}  // namespace tarifador::store
