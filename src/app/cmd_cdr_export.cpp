#include "app/cmd_cdr_export.h"

#include <ostream>
#include <string>

#include "base/local_time.h"
#include "export/cdr_csv.h"
#include "export/period_export.h"
#include "export/store_cdr_source.h"
#include "store/cdr_query.h"
#include "store/read_pool.h"

namespace tarifador::app {
namespace {

constexpr const char* kUsage = "usage: tarifador cdr export --from DATE --to DATE [--out FILE] [--config FILE]\n";

}  // namespace

int RunCdrExport(CommandContext& ctx) {
  std::string from_text;
  std::string to_text;
  std::string out_path;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    const std::string& a = ctx.args[i];
    const bool has_value = i + 1 < ctx.args.size();
    if (a == "--from" && has_value) {
      from_text = ctx.args[++i];
    } else if (a == "--to" && has_value) {
      to_text = ctx.args[++i];
    } else if (a == "--out" && has_value) {
      out_path = ctx.args[++i];
    } else {
      ctx.err << "tarifador: unexpected argument \"" << a << "\"\n" << kUsage;
      return 2;
    }
  }
  if (from_text.empty() || to_text.empty()) {
    ctx.err << kUsage;
    return 2;
  }
  auto cfg = ctx.LoadConfig();  // also sets the office time zone the dates are read in
  if (!cfg.ok()) return ctx.Fail(cfg.status());
  base::Result<base::Instant> from = base::ParseLocalDateOrInstant(from_text);
  if (!from.ok()) return ctx.Fail(base::InvalidArgument("--from: " + from.status().message()), 2);
  base::Result<base::Instant> to = base::ParseLocalDateOrInstant(to_text);
  if (!to.ok()) return ctx.Fail(base::InvalidArgument("--to: " + to.status().message()), 2);
  if (*to <= *from) {
    return ctx.Fail(base::InvalidArgument("--to " + to_text + " must be after --from " + from_text), 2);
  }
  exports::CsvOptions options;
  auto columns = exports::ParseColumns(cfg->export_.columns);
  if (!columns.ok()) return ctx.Fail(columns.status());
  options.columns = std::move(*columns);
  auto times = exports::ParseTimeMode(cfg->export_.time_zone);
  if (!times.ok()) return ctx.Fail(times.status());
  options.times = *times;

  store::ReadPool reads(cfg->StorePath(), 1);
  store::CdrQuery query(reads);
  exports::StoreCdrSource source(query);
  if (!out_path.empty()) {
    base::Result<exports::PeriodFile> file = exports::ExportRangeToFile(source, *from, *to, out_path, options);
    if (!file.ok()) return ctx.Fail(file.status());
    ctx.err << "exported " << file->rows << " CDRs (" << base::FormatIso8601(*from) << " to "
            << base::FormatIso8601(*to) << ") to " << out_path << ", sha256 " << file->sha256 << "\n";
    return 0;
  }
  const exports::CdrWalk walk = [&](const exports::CdrVisitor& visit) {
    return source.ForEachStartedIn(*from, *to, visit);
  };
  base::Result<int64_t> rows = exports::WriteCdrCsv(walk, options, [&](std::string_view chunk) -> base::Status {
    ctx.out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!ctx.out) return base::Unavailable("writing the CSV to stdout failed");
    return {};
  });
  if (!rows.ok()) return ctx.Fail(rows.status());
  ctx.out.flush();
  ctx.err << "exported " << *rows << " CDRs (" << base::FormatIso8601(*from) << " to " << base::FormatIso8601(*to)
          << ")\n";
  return 0;
}

}  // namespace tarifador::app
