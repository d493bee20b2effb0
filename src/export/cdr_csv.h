#pragma once
// CDRs as CSV rows (docs/EXPORT.md): a header row of column names, then one
// row per CDR in the order the walk gives them. Nothing in the output depends
// on when it was made, so the same CDRs always give the same bytes.
#include <cstdint>
#include <vector>

#include "base/status.h"
#include "export/cdr_columns.h"
#include "export/cdr_source.h"
#include "export/csv_writer.h"

namespace tarifador::exports {

struct CsvOptions {
  std::vector<Column> columns{AllColumns().begin(), AllColumns().end()};
  TimeMode times = TimeMode::kOffice;
  // For a spreadsheet (docs/EXPORT.md "For Excel"): the dialect of its
  // decimal mark, and readable labels in the sheet's language.
  SheetDialect sheet{};
};

// Writes the header and every CDR of `walk` to `sink`, flushing at the end;
// with options.sheet.excel a UTF-8 byte order mark comes first and fields
// are separated by ';' when the sheet uses a decimal comma.
// Returns the number of data rows, or the first failure of the walk or the
// sink (the sink may then have received part of the file). Constant memory.
base::Result<int64_t> WriteCdrCsv(const CdrWalk& walk, const CsvOptions& options, const CsvSink& sink);

}  // namespace tarifador::exports
