#pragma once
// The CSV export over HTTP (docs/API.md "CSV export", docs/EXPORT.md):
// GET /api/v1/cdrs.csv streams the CDRs matching the /api/v1/cdrs filters as
// CSV (chunked, constant memory); GET /api/v1/exports shows the scheduled
// files' last runs and when the next is due; the status API's "export"
// object is ExportStatusJson. Both routes answer 503 while
// Services::exports is null. Thread-safe.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/status.h"
#include "export/cdr_csv.h"
#include "http/request.h"
#include "http/services.h"
#include "store/cdr_query.h"
#include "store/export_log.h"

namespace tarifador::http {

// Set up by app; borrowed members outlive the server.
struct ExportServices {
  const store::CdrQuery& query;
  exports::CsvOptions csv;          // export.columns and export.time_zone
  store::ExportLog* log = nullptr;  // null: no scheduled exports (last_runs empty)
  std::string dir;                  // export.dir
  // When the scheduler next has a period due, and its last error ("" none).
  std::function<std::optional<base::Instant>()> next_due;
  std::function<std::string()> last_error;
};

// GET /api/v1/cdrs.csv?from&to&extension&account_id&direction&zone&prefix&
// disposition&min_cost (viewer): text/csv, oldest first (start, uuid).
base::Result<Response> HandleCdrsCsv(Services& s, const Request& r);

// GET /api/v1/exports (viewer): {"dir","last_runs":[...],"next_due","last_error"}.
base::Result<Response> HandleListExports(Services& s, const Request& r);

// The status API's "export" object: {"dir","scheduled","last_run","next_due","last_error"}.
nlohmann::json ExportStatusJson(const ExportServices& e);

}  // namespace tarifador::http
