#include "http/export_handlers.h"

#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/time.h"
#include "export/cdr_columns.h"
#include "http/billing_fields.h"
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

// The download's name (docs/EXPORT.md "HTTP"): "calls" or "llamadas", then
// the period when `from` and `to` are dates: a whole month "2026-11", one
// day "2026-11-05", else "2026-11-01_2026-11-15" (the last day included).
std::string CsvFileName(const std::optional<std::string>& from, const std::optional<std::string>& to, bool spanish) {
  const std::string base = spanish ? "llamadas" : "calls";
  const auto date = [](const std::optional<std::string>& s) -> std::optional<std::array<int, 3>> {
    int y = 0, m = 0, d = 0;
    if (!s || s->size() != 10 || std::sscanf(s->c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) return std::nullopt;
    return std::array<int, 3>{y, m, d};
  };
  const auto a = date(from);
  const auto b = date(to);
  if (!a || !b) return base + ".csv";
  const int64_t first = base::DaysFromCivil((*a)[0], static_cast<unsigned>((*a)[1]), static_cast<unsigned>((*a)[2]));
  const int64_t end = base::DaysFromCivil((*b)[0], static_cast<unsigned>((*b)[1]), static_cast<unsigned>((*b)[2]));
  const int next_y = (*a)[1] == 12 ? (*a)[0] + 1 : (*a)[0];
  const int next_m = (*a)[1] == 12 ? 1 : (*a)[1] + 1;
  if ((*a)[2] == 1 && (*b)[2] == 1 && (*b)[0] == next_y && (*b)[1] == next_m)
    return base + "-" + from->substr(0, 7) + ".csv";
  if (end - first == 1) return base + "-" + *from + ".csv";
  const std::string last = base::FormatIso8601(base::Instant::FromSeconds((end - 1) * 86'400)).substr(0, 10);
  return base + "-" + *from + "_" + last + ".csv";
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
  // The sheet's options: which columns, which dialect, which language.
  exports::CsvOptions options = s.exports->csv;
  if (const std::optional<std::string> columns = r.Query("columns")) {
    if (*columns == "accounting") {
      options.columns.assign(exports::AccountingColumns().begin(), exports::AccountingColumns().end());
    } else {
      base::Result<std::vector<exports::Column>> picked = exports::ParseColumns(*columns);
      if (!picked.ok()) return base::InvalidArgument("query parameter \"columns\": " + picked.status().message());
      options.columns = std::move(*picked);
    }
  }
  const std::string format = r.Query("format").value_or("csv");
  const std::string lang = r.Query("lang").value_or("en");
  if (format != "csv" && format != "excel") {
    return base::InvalidArgument("query parameter \"format\" must be \"csv\" or \"excel\" (got " + Shown(format) + ")");
  }
  if (lang != "en" && lang != "es") {
    return base::InvalidArgument("query parameter \"lang\" must be \"en\" or \"es\" (got " + Shown(lang) + ")");
  }
  options.sheet = {format == "excel", format == "excel" && lang == "es", lang == "es"};
  Response out;
  out.content_type = "text/csv; charset=utf-8";
  out.headers.emplace_back("Content-Disposition", "attachment; filename=\"" +
                                                      CsvFileName(r.Query("from"), r.Query("to"), lang == "es") + "\"");
  const ExportServices* e = s.exports;
  // The whole walk runs in the first call: a store walk cannot be paused
  // between calls, and each chunk goes to the socket as it is made, so
  // memory stays flat. Headers are sent by then: a failure mid-walk can only
  // end the body early (it is logged); the CSV is then short, never wrong.
  out.stream = [e, f = *filter, options](const Response::ChunkWriter& write) -> bool {
    const exports::CdrWalk walk = [&](const exports::CdrVisitor& visit) { return e->query.ForEach(f, visit); };
    base::Result<int64_t> rows = exports::WriteCdrCsv(walk, options, [&](std::string_view chunk) -> base::Status {
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
