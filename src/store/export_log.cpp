#include "store/export_log.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

#include "base/json_parse.h"
#include "store/alert_store.h"

namespace tarifador::store {

ExportLog::ExportLog(std::unique_ptr<Database> db) : db_(std::move(db)) {}

base::Result<std::unique_ptr<ExportLog>> ExportLog::Open(const std::string& store_path) {
  auto db = Database::Open(store_path, OpenMode::kReadWrite);
  if (!db.ok()) return db.status();
  return std::make_unique<ExportLog>(std::move(*db));
}

base::Status ExportLog::Record(const ExportRun& run) {
  std::lock_guard lock(mu_);
  try {
    SQLite::Statement st(db_->sql(),
                         "INSERT INTO export_runs(kind, period, file, from_us, to_us, rows, sha256, status, error, "
                         "started_us, finished_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, run.kind);
    st.bind(2, run.period);
    st.bind(3, run.file);
    st.bind(4, static_cast<int64_t>(run.from.micros()));
    st.bind(5, static_cast<int64_t>(run.to.micros()));
    st.bind(6, static_cast<int64_t>(run.rows));
    st.bind(7, run.sha256);
    st.bind(8, run.status);
    st.bind(9, run.error);
    st.bind(10, static_cast<int64_t>(run.started_at.micros()));
    st.bind(11, static_cast<int64_t>(run.finished_at.micros()));
    // A failed run and its alert (docs/ALERTS.md export_failed) in one
    // transaction; retries of the same period raise nothing more.
    SQLite::Transaction tx(db_->sql());
    st.exec();
    if (run.status == "failed") {
      const nlohmann::json detail = {
          {"kind", run.kind}, {"period", run.period}, {"file", run.file}, {"error", run.error}};
      RaiseAlertIn(db_->sql(),
                   NewAlert{"export_failed", "critical", "export_failed:" + run.kind + ":" + run.period, std::nullopt,
                            base::DumpJson(detail)},
                   run.finished_at);
    }
    tx.commit();
    return {};
  } catch (const std::exception& e) {
    return base::Unavailable("recording export run " + run.kind + " " + run.period + ": " + e.what());
  }
}

base::Result<bool> ExportLog::IsDone(std::string_view kind, std::string_view period) {
  std::lock_guard lock(mu_);
  try {
    SQLite::Statement st(db_->sql(),
                         "SELECT 1 FROM export_runs WHERE kind = ? AND period = ? AND status = 'ok' LIMIT 1");
    st.bind(1, std::string(kind));
    st.bind(2, std::string(period));
    return st.executeStep();
  } catch (const std::exception& e) {
    return base::Unavailable(std::string("reading the export log for ").append(period).append(": ") + e.what());
  }
}

base::Result<std::vector<ExportRun>> ExportLog::Latest(int limit) {
  std::lock_guard lock(mu_);
  try {
    SQLite::Statement st(db_->sql(),
                         "SELECT kind, period, file, from_us, to_us, rows, sha256, status, error, started_us, "
                         "finished_us FROM export_runs ORDER BY id DESC LIMIT ?");
    st.bind(1, limit);
    std::vector<ExportRun> out;
    while (st.executeStep()) {
      ExportRun r;
      r.kind = st.getColumn(0).getString();
      r.period = st.getColumn(1).getString();
      r.file = st.getColumn(2).getString();
      r.from = base::Instant::FromMicros(st.getColumn(3).getInt64());
      r.to = base::Instant::FromMicros(st.getColumn(4).getInt64());
      r.rows = st.getColumn(5).getInt64();
      r.sha256 = st.getColumn(6).getString();
      r.status = st.getColumn(7).getString();
      r.error = st.getColumn(8).getString();
      r.started_at = base::Instant::FromMicros(st.getColumn(9).getInt64());
      r.finished_at = base::Instant::FromMicros(st.getColumn(10).getInt64());
      out.push_back(std::move(r));
    }
    return out;
  } catch (const std::exception& e) {
    return base::Unavailable(std::string("reading the export log: ") + e.what());
  }
}

}  // namespace tarifador::store
