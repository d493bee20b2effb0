#include "export/cdr_csv.h"

#include <string>

namespace tarifador::exports {

base::Result<int64_t> WriteCdrCsv(const CdrWalk& walk, const CsvOptions& options, const CsvSink& sink) {
  // Excel reads a CSV without the mark as the system's legacy code page.
  if (options.sheet.excel) TARIFADOR_RETURN_IF_ERROR(sink("\xEF\xBB\xBF"));
  CsvWriter csv(sink, options.sheet.excel && options.sheet.decimal_comma ? ';' : ',');
  for (Column c : options.columns) csv.Field(ColumnName(c));
  TARIFADOR_RETURN_IF_ERROR(csv.EndRow());
  int64_t rows = 0;
  ColumnFormatter format(options.times, options.sheet);
  const base::Status walked = walk([&](const billing::Cdr& cdr) -> base::Status {
    for (Column c : options.columns) format.Write(csv, c, cdr);
    ++rows;
    return csv.EndRow();
  });
  TARIFADOR_RETURN_IF_ERROR(walked);
  TARIFADOR_RETURN_IF_ERROR(csv.Flush());
  return rows;
}

}  // namespace tarifador::exports
