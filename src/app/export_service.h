#pragma once
// The CSV export inside `tarifador serve` (SPEC section 6, docs/EXPORT.md):
// the scheduler thread writing daily and monthly files into export.dir, and
// what the HTTP routes GET /api/v1/cdrs.csv and /api/v1/exports use.
#include <functional>
#include <memory>
#include <optional>

#include "base/status.h"
#include "base/time.h"
#include "config/config.h"
#include "export/scheduler.h"
#include "export/store_cdr_source.h"
#include "http/export_handlers.h"
#include "store/cdr_query.h"
#include "store/export_log.h"
#include "store/read_pool.h"

namespace tarifador::app {

class ExportService {
 public:
  // Starts the scheduler for `cfg` (export.dir, export.daily, export.monthly,
  // export.columns, export.time_zone). `oldest_open_call`: the start of the
  // oldest call still up (may be empty). Borrows `clock`. Fails with
  // InvalidArgument for a bad export.columns/time_zone, or as the store does.
  static base::Result<std::unique_ptr<ExportService>> Start(
      const config::Config& cfg, const base::Clock& clock,
      std::function<std::optional<base::Instant>()> oldest_open_call);
  ~ExportService();  // Stop()s
  ExportService(const ExportService&) = delete;
  ExportService& operator=(const ExportService&) = delete;

  // Stops the scheduler thread (a file being written is finished). Idempotent.
  void Stop();

  http::ExportServices& http() { return *http_; }
  exports::ExportScheduler& scheduler() { return *scheduler_; }

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  ExportService(Key, const std::string& store_path);

 private:
  store::ReadPool reads_;
  store::CdrQuery query_;
  exports::StoreCdrSource source_;
  std::unique_ptr<store::ExportLog> log_;
  std::unique_ptr<exports::ExportScheduler> scheduler_;
  std::unique_ptr<http::ExportServices> http_;
};

}  // namespace tarifador::app
