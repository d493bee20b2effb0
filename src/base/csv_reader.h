#pragma once
// CsvReader: an RFC 4180 reader over text held in memory (rate decks, bulk
// recharges). Fields may be quoted ("a ""b"", c" is one field holding
// `a "b", c`) and quoted fields may span lines. Lines end in CRLF, LF or a
// lone CR. A UTF-8 byte order mark at the very start is skipped, since
// spreadsheet programs write one.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tarifador::base {

class CsvReader {
 public:
  struct Options {
    char delimiter = ',';
    // Lines holding nothing at all (not even spaces) are skipped rather than
    // returned as a record of one empty field, which is what users of
    // hand-edited files expect.
    bool skip_empty_lines = true;
  };

  // Borrows `text`, which must outlive the reader.
  explicit CsvReader(std::string_view text) : CsvReader(text, Options{}) {}
  CsvReader(std::string_view text, Options options);

  // Reads the next record into `fields` (cleared first; reusing one vector
  // across calls avoids allocations). Returns true when a record was read and
  // false at the end of the input. A malformed record (text after a closing
  // quote, a quote that never closes) fails with InvalidArgument
  // "line N: <reason>"; the reader then resumes at the next line, so a caller
  // can keep calling Next() to report every bad record. After an unterminated
  // quote the rest of the input is consumed.
  Result<bool> Next(std::vector<std::string>& fields);

  // The 1-based physical line on which the last record (or error) started.
  int64_t record_line() const { return record_line_; }

 private:
  // Skips to just past the end of the current physical line.
  void SkipLine();
  // Consumes one line ending (CRLF, LF or CR) at pos_, counting the line.
  void ConsumeLineEnd();

  std::string_view text_;
  Options options_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  int64_t record_line_ = 0;
};

}  // namespace tarifador::base
