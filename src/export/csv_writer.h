#pragma once
// A streamed RFC 4180 CSV writer: CRLF line ends; a field containing a comma,
// a double quote, CR or LF is quoted and its quotes doubled; a field a
// spreadsheet would run as a formula gets a leading apostrophe; every other
// field is written as is (UTF-8 passes through untouched). Output goes to a sink in
// chunks of about kChunkBytes, so memory stays constant however many rows are
// written (SPEC section 6).
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tarifador::exports {

// Receives the CSV text in order. A failure stops the writer: every later call
// returns that same failure and nothing more reaches the sink.
using CsvSink = std::function<base::Status(std::string_view chunk)>;

// Whether a spreadsheet would take `field` as a formula (OWASP "CSV
// injection"): it starts with '=', '@', a tab or CR, or with '+' or '-'
// without being a plain decimal number ("-0.50" and "+34911234567" stay
// numbers).
bool IsFormulaTrigger(std::string_view field);

// Appends `field` to `out`, quoted when RFC 4180 requires it (or when it
// holds `separator`), with a leading apostrophe when
// IsFormulaTrigger(field), so that a spreadsheet shows it as text and never
// runs it.
void AppendCsvField(std::string& out, std::string_view field, char separator = ',');

// Not thread-safe; one writer per output.
class CsvWriter {
 public:
  static constexpr size_t kChunkBytes = 64 * 1024;

  // `sink` is called with chunks of about kChunkBytes, and with the rest at
  // Flush(). `separator`: ',' (RFC 4180), or ';' for spreadsheets in
  // locales whose decimal mark is a comma.
  explicit CsvWriter(CsvSink sink, char separator = ',');
  // Does not flush: call Flush() and check its result (a destructor cannot report).
  ~CsvWriter() = default;
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  // Adds one field to the current row.
  void Field(std::string_view value);
  // Starts a field whose text the caller appends to the returned string
  // directly, promising it holds no comma, quote, CR or LF (numbers, times,
  // fixed names): no scan and no copy. The reference is valid until the
  // next call on this writer.
  std::string& UnquotedField();
  // Ends the current row with CRLF; hands a full chunk to the sink. Returns
  // the sink's failure (sticky).
  base::Status EndRow();
  // Hands everything buffered to the sink. Returns the sink's failure (sticky).
  base::Status Flush();

  // Bytes accepted so far (written or buffered).
  size_t bytes() const { return bytes_ + buffer_.size(); }

 private:
  CsvSink sink_;
  char separator_ = ',';
  std::string buffer_;
  bool row_started_ = false;
  size_t bytes_ = 0;
  base::Status failed_;
};

}  // namespace tarifador::exports
