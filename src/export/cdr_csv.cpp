#include "export/cdr_csv.h"

#include <string>

namespace tarifador::exports {

base::Result<int64_t> WriteCdrCsv(const CdrWalk& walk, const CsvOptions& options, const CsvSink& sink) {
  CsvWriter csv(sink);
  for (Column c : options.columns) csv.Field(ColumnName(c));
  TARIFADOR_RETURN_IF_ERROR(csv.EndRow());
  int64_t rows = 0;
  std::string value;  // reused: no allocation per field once warm
  const base::Status walked = walk([&](const billing::Cdr& cdr) -> base::Status {
    for (Column c : options.columns) {
      value.clear();
      AppendColumnValue(value, c, cdr, options.times);
      csv.Field(value);
    }
    ++rows;
    return csv.EndRow();
  });
  TARIFADOR_RETURN_IF_ERROR(walked);
  TARIFADOR_RETURN_IF_ERROR(csv.Flush());
  return rows;
}

}  // namespace tarifador::exports
