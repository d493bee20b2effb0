#pragma once
// The export log, table export_runs (sql/0007_export_log.sql): which
// scheduled CSV files were made, with their row count and SHA-256, and the
// failed attempts. The export scheduler reads it to never skip a period.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "store/database.h"

namespace tarifador::store {

struct ExportRun {
  std::string kind;    // "daily" | "monthly"
  std::string period;  // "2026-11-21" | "2026-11"
  std::string file;
  base::Instant from;
  base::Instant to;
  int64_t rows = 0;
  std::string sha256;
  std::string status;  // "ok" | "failed"
  std::string error;
  base::Instant started_at;
  base::Instant finished_at;
};

// Keeps its own connection behind a mutex (rare writes, like AuditStore);
// SQLite serialises it with the writer thread. Thread-safe.
class ExportLog {
 public:
  explicit ExportLog(std::unique_ptr<Database> db);

  // Opens `store_path` read-write (migrating it). Fails as Database::Open.
  static base::Result<std::unique_ptr<ExportLog>> Open(const std::string& store_path);

  base::Status Record(const ExportRun& run);
  // Whether `kind`/`period` has an 'ok' run.
  base::Result<bool> IsDone(std::string_view kind, std::string_view period);
  // The latest `limit` runs, newest first.
  base::Result<std::vector<ExportRun>> Latest(int limit);

 private:
  std::mutex mu_;
  std::unique_ptr<Database> db_;  // guarded by mu_
};

}  // namespace tarifador::store
