#include "http/export_handlers.h"

#include <memory>
#include <string>

#include "base/log.h"
#include "http/cdr_filter_params.h"
#include "http/json_body.h"

namespace tarifador::http {
namespace {

constexpr int kLastRuns = 20;

base::Status ExportUnavailable() { return base::Unavailable("the CSV export is not running"); }

nlohmann::json RunJson(const store::ExportRun& r) {
  return {{"period", r.period}, {"kind", r.kind},
          {"file", r.file},     {"rows", r.rows},
          {"sha256", r.sha256}, {"finished_at", base::FormatIso8601(r.finished_at)},
          {"status", r.status}, {"error", r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error)}};
}

nlohmann::json NextDueJson(const ExportServices& e) {
  if (!e.next_due) return nullptr;
  const std::optional<base::Instant> due = e.next_due();
  return due ? nlohmann::json(base::FormatIso8601(*due)) : nlohmann::json(nullptr);
}

}  // namespace

base::Result<Response> HandleCdrsCsv(Services& s, const Request& r) {
  if (!s.exports) return ExportUnavailable();
  if (r.Query("limit") || r.Query("cursor")) {
    return base::InvalidArgument("query parameters \"limit\" and \"cursor\" do not apply to the CSV: it has every row");
  }
  base::Result<store::CdrFilter> filter = CdrFilterParams(r);
  if (!filter.ok()) return filter.status();
  Response out;
  out.content_type = "text/csv; charset=utf-8";
  out.headers.emplace_back("Content-Disposition", "attachment; filename=\"cdrs.csv\"");
  const ExportServices* e = s.exports;
  // The whole walk runs in the first call: a store walk cannot be paused
  // between calls, and each chunk goes to the socket as it is made, so
  // memory stays flat. Headers are sent by then: a failure mid-walk can only
  // end the body early (it is logged); the CSV is then short, never wrong.
  out.stream = [e, f = *filter](const Response::ChunkWriter& write) -> bool {
    const exports::CdrWalk walk = [&](const exports::CdrVisitor& visit) { return e->query.ForEach(f, visit); };
    base::Result<int64_t> rows = exports::WriteCdrCsv(walk, e->csv, [&](std::string_view chunk) -> base::Status {
      if (!write(chunk)) return base::Unavailable("the client went away");
      return {};
    });
    if (!rows.ok()) base::LogWarning("GET /api/v1/cdrs.csv stopped: " + rows.status().message());
    return false;
  };
  return out;
}

base::Result<Response> HandleListExports(Services& s, const Request&) {
  if (!s.exports) return ExportUnavailable();
  nlohmann::json runs = nlohmann::json::array();
  if (s.exports->log) {
    base::Result<std::vector<store::ExportRun>> latest = s.exports->log->Latest(kLastRuns);
    if (!latest.ok()) return latest.status();
    for (const store::ExportRun& run : *latest) runs.push_back(RunJson(run));
  }
  const std::string last_error = s.exports->last_error ? s.exports->last_error() : "";
  return Response::Json(
      Dump({{"dir", s.exports->dir},
            {"last_runs", std::move(runs)},
            {"next_due", NextDueJson(*s.exports)},
            {"last_error", last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(last_error)}}));
}

nlohmann::json ExportStatusJson(const ExportServices& e) {
  nlohmann::json last_run = nullptr;
  if (e.log) {
    base::Result<std::vector<store::ExportRun>> latest = e.log->Latest(1);
    if (latest.ok() && !latest->empty()) last_run = RunJson(latest->front());
  }
  const std::string last_error = e.last_error ? e.last_error() : "";
  return {{"dir", e.dir},
          {"scheduled", e.log != nullptr},
          {"last_run", std::move(last_run)},
          {"next_due", NextDueJson(e)},
          {"last_error", last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(last_error)}};
}

}  // namespace tarifador::http
