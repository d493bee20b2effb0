#include "sync/mirror_push.h"

#include <array>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sync/copy_rows.h"

namespace tarifador::sync {
namespace {

struct TableDef {
  std::string_view name;
  std::string_view key;
  bool append_only;
  std::vector<std::string_view> columns;  // every mirrored column but site_id, key first
};

const std::array<TableDef, 4>& Tables() {
  // Order matters for readers of the central database only: parents first.
  static const std::array<TableDef, 4> kTables = {{
      {"accounts",
       "id",
       false,
       {"id", "name", "type", "credit_limit_micros", "monthly_budget_micros", "balance_micros", "created_us",
        "updated_us", "budget_mode", "budget_warn_percent", "low_balance_micros", "daily_limit_micros"}},
      {"extensions",
       "number",
       false,
       {"number", "name", "account_id", "rate_plan", "enabled", "created_us", "updated_us"}},
      {"ledger",
       "id",
       true,
       {"id", "account_id", "kind", "amount_micros", "balance_after_micros", "actor", "reason", "at_us", "call_uuid",
        "idempotency_key"}},
      {"cdrs",
       "uuid",
       false,
       {"uuid",
        "linked_uuids",
        "direction",
        "caller",
        "caller_name",
        "account_id",
        "destination",
        "normalised_number",
        "zone",
        "prefix",
        "rate_plan",
        "price_per_minute_micros",
        "connection_fee_micros",
        "start_us",
        "answer_us",
        "bridge_us",
        "end_us",
        "duration_s",
        "billsec",
        "billusec",
        "billable_seconds",
        "cost_micros",
        "charged_micros",
        "hangup_cause",
        "disposition",
        "deny_reason",
        "gateway",
        "billed_us",
        "pin_id",
        "pin_owner"}},
  }};
  return kTables;
}

std::string UpsertSql(const TableDef& t) {
  std::string cols;
  for (std::string_view c : t.columns) cols.append(", ").append(c);
  std::string sql = std::string("INSERT INTO tarifador.").append(t.name).append(" (site_id").append(cols);
  sql.append(") SELECT $1").append(cols).append(" FROM jsonb_populate_recordset(NULL::tarifador.");
  sql.append(t.name).append(", $2::jsonb) ON CONFLICT (site_id, ").append(t.key).append(") DO ");
  if (t.append_only) return sql.append("NOTHING");
  sql.append("UPDATE SET mirrored_at = now()");
  for (std::string_view c : t.columns) {
    if (c != t.key) sql.append(", ").append(c).append(" = EXCLUDED.").append(c);
  }
  return sql;
}

std::string ColumnList(const TableDef& t) {
  std::string cols;
  for (std::string_view c : t.columns) {
    if (!cols.empty()) cols.append(", ");
    cols.append(c);
  }
  return cols;
}

// The session's staging table for `t`: same column types, no constraints
// (the real insert checks them), emptied at every commit. Created inside the
// batch's transaction, so a rolled-back batch takes it away and the next one
// creates it again.
std::string StagingTable(const TableDef& t) { return std::string("pg_temp.tarifador_mirror_").append(t.name); }

std::string CreateStagingSql(const TableDef& t) {
  return std::string("CREATE TEMP TABLE IF NOT EXISTS tarifador_mirror_")
      .append(t.name)
      .append(" ON COMMIT DELETE ROWS AS SELECT ")
      .append(ColumnList(t))
      .append(" FROM tarifador.")
      .append(t.name)
      .append(" WITH NO DATA");
}

std::string CopySql(const TableDef& t) {
  return std::string("COPY ").append(StagingTable(t)).append(" (").append(ColumnList(t)).append(") FROM STDIN");
}

// Moves the staged rows into the real table as site $1, keyed like UpsertSql.
std::string InsertFromStagingSql(const TableDef& t) {
  const std::string cols = ColumnList(t);
  std::string sql = std::string("INSERT INTO tarifador.").append(t.name).append(" (site_id, ").append(cols);
  sql.append(") SELECT $1, ").append(cols).append(" FROM ").append(StagingTable(t));
  sql.append(" ON CONFLICT (site_id, ").append(t.key).append(") DO ");
  if (t.append_only) return sql.append("NOTHING");
  sql.append("UPDATE SET mirrored_at = now()");
  for (std::string_view c : t.columns) {
    if (c != t.key) sql.append(", ").append(c).append(" = EXCLUDED.").append(c);
  }
  return sql;
}

}  // namespace

std::string UpsertStatement(std::string_view table) {
  for (const TableDef& t : Tables()) {
    if (t.name == table) return UpsertSql(t);
  }
  return "";
}

base::Status PushBatch(PgConnection& pg, const std::string& site_id, std::span<const store::OutboxRow> rows) {
  // Per table, the payloads to send, the latest per key winning (ON CONFLICT
  // DO UPDATE refuses to touch one row twice in a statement).
  std::array<std::vector<const store::OutboxRow*>, 4> per_table;
  std::array<std::unordered_map<std::string_view, size_t>, 4> seen;
  for (const store::OutboxRow& row : rows) {
    size_t t = 0;
    while (t < Tables().size() && Tables()[t].name != row.table) ++t;
    if (t == Tables().size()) {
      return base::InvalidArgument("pushing outbox row " + std::to_string(row.id) + ": unknown table \"" + row.table +
                                   "\"");
    }
    auto [it, inserted] = seen[t].try_emplace(row.key, per_table[t].size());
    if (inserted) {
      per_table[t].push_back(&row);
    } else {
      per_table[t][it->second] = &row;
    }
  }
  // The COPY data is built before anything is sent: a payload that cannot
  // be converted fails the batch without opening a transaction.
  std::array<std::string, 4> copy_data;
  std::string begin = "BEGIN";
  for (size_t t = 0; t < Tables().size(); ++t) {
    if (per_table[t].empty()) continue;
    const TableDef& def = Tables()[t];
    copy_data[t].reserve(per_table[t].size() * 512);
    CopyRowEncoder encoder(def.columns);
    for (const store::OutboxRow* r : per_table[t]) {
      base::Status st = encoder.Append(copy_data[t], r->payload);
      if (!st.ok()) {
        return base::InvalidArgument("pushing outbox row " + std::to_string(r->id) + " (" + r->table + " \"" + r->key +
                                     "\"): " + st.message());
      }
    }
    begin.append("; ").append(CreateStagingSql(def));
  }
  // Round trips: BEGIN with the staging tables, one COPY per table, one
  // INSERT ... SELECT per table, COMMIT.
  base::Status status = [&]() -> base::Status {
    TARIFADOR_RETURN_IF_ERROR(pg.Exec("starting the mirror transaction", begin));
    for (size_t t = 0; t < Tables().size(); ++t) {
      if (per_table[t].empty()) continue;
      TARIFADOR_RETURN_IF_ERROR(pg.CopyIn(std::string("sending ").append(Tables()[t].name).append(" rows"),
                                          CopySql(Tables()[t]), copy_data[t]));
    }
    for (size_t t = 0; t < Tables().size(); ++t) {
      if (per_table[t].empty()) continue;
      TARIFADOR_RETURN_IF_ERROR(pg.ExecParams(std::string("upserting ").append(Tables()[t].name),
                                              InsertFromStagingSql(Tables()[t]), {site_id}));
    }
    return pg.Exec("committing the mirror transaction", "COMMIT");
  }();
  if (!status.ok() && pg.healthy()) (void)pg.Exec("rolling back the mirror transaction", "ROLLBACK");
  return status;
}

}  // namespace tarifador::sync
