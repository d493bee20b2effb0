#include "export/period_export.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/local_time.h"
#include "export/atomic_file.h"

namespace tarifador::exports {

base::Result<PeriodFile> ExportRangeToFile(const CdrSource& source, base::Instant from, base::Instant to,
                                           const std::string& path, const CsvOptions& options) {
  PeriodFile out;
  out.path = path;
  out.from = from;
  out.to = to;
  Sha256 sha;
  const base::Status written = WriteFileAtomically(path, [&](const CsvSink& file) -> base::Status {
    const CsvSink hashed = [&](std::string_view chunk) {
      sha.Update(chunk);
      out.bytes += static_cast<int64_t>(chunk.size());
      return file(chunk);
    };
    const CdrWalk walk = [&](const CdrVisitor& visit) { return source.ForEachStartedIn(from, to, visit); };
    base::Result<int64_t> rows = WriteCdrCsv(walk, options, hashed);
    if (!rows.ok()) return rows.status();
    out.rows = *rows;
    return {};
  });
  TARIFADOR_RETURN_IF_ERROR(written);
  out.sha256 = sha.FinishHex();
  return out;
}

std::string ManifestJson(const PeriodFile& file, const CsvOptions& options, base::Instant generated_at) {
  nlohmann::ordered_json columns = nlohmann::ordered_json::array();
  for (Column c : options.columns) columns.push_back(std::string(ColumnName(c)));
  const std::string office = base::OfficeTimeZoneName();
  nlohmann::ordered_json m = {
      {"file", std::filesystem::path(file.path).filename().string()},
      {"kind", PeriodKindName(file.period.kind)},
      {"period", file.period.Key()},
      {"from", base::FormatIso8601(file.from)},
      {"to", base::FormatIso8601(file.to)},
      {"rows", file.rows},
      {"bytes", file.bytes},
      {"sha256", file.sha256},
      {"columns", columns},
      // Where the period's days are counted, and how the CSV writes times.
      {"office_time_zone", office.empty() ? std::string("system") : office},
      {"time_zone", options.times == TimeMode::kUtc ? std::string("UTC") : (office.empty() ? "system" : office)},
      {"generated_at", base::FormatIso8601(generated_at)},
  };
  return m.dump(2) + "\n";
}

base::Result<PeriodFile> ExportPeriod(const CdrSource& source, const Period& period, const std::string& dir,
                                      const CsvOptions& options, base::Instant generated_at) {
  base::Result<base::Instant> from = PeriodStart(period);
  if (!from.ok()) return from.status();
  base::Result<base::Instant> to = PeriodEnd(period);
  if (!to.ok()) return to.status();
  base::Result<PeriodFile> file = ExportRangeToFile(source, *from, *to, dir + "/" + period.FileName(), options);
  if (!file.ok()) return file.status();
  file->period = period;
  file->manifest = file->path + ".manifest.json";
  const std::string text = ManifestJson(*file, options, generated_at);
  TARIFADOR_RETURN_IF_ERROR(WriteFileAtomically(file->manifest, [&](const CsvSink& sink) { return sink(text); }));
  return file;
}

}  // namespace tarifador::exports
