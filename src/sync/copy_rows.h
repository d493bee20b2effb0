#pragma once
// Turns outbox payloads (flat JSON objects written by sql/0005_outbox.sql's
// json_object) into rows of PostgreSQL's COPY text format, so a batch reaches
// the server through COPY ... FROM STDIN instead of being parsed as JSON
// there (docs/MIRROR.md "How a batch travels").
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace tarifador::sync {

// Appends `value` to `out` escaped for COPY text format (default delimiter
// tab): backslash, tab, newline and carriage return become \\, \t, \n, \r;
// every other byte is copied as is. Thread-safe.
void AppendCopyText(std::string& out, std::string_view value);

// Encodes payloads of one table as COPY text rows: the values of `columns`,
// in that order, tab-separated, each row ending in a newline. A column absent
// from the payload, or JSON null, is sent as NULL (\N), as
// jsonb_populate_record would; keys that are not columns are ignored; numbers
// are sent as written, true/false as t/f, strings decoded from JSON and
// escaped for COPY. Keeps scratch space between rows: one encoder per thread.
class CopyRowEncoder {
 public:
  // `columns` is borrowed and must outlive the encoder.
  explicit CopyRowEncoder(std::span<const std::string_view> columns);

  // Appends the row for `payload` to `out`. Fails with InvalidArgument
  // (naming the problem, and the byte offset of a syntax error; `out`
  // unchanged) when `payload` is not one well-formed JSON object of scalars,
  // or a string holds U+0000 (which no PostgreSQL text can). nlohmann/json
  // parses (its SAX interface: no document is built).
  base::Status Append(std::string& out, std::string_view payload);

 private:
  base::Status Parse(std::string_view p);

  std::span<const std::string_view> columns_;
  std::string scratch_;                           // this row's values, escaped, back to back
  std::vector<std::pair<size_t, size_t>> slots_;  // per column: [begin, end) in scratch_
  std::vector<bool> present_;                     // per column: false sends NULL
};

}  // namespace tarifador::sync
