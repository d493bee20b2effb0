#include "export/csv_writer.h"

#include <array>
#include <utility>

namespace tarifador::exports {

namespace {

// One table lookup per byte in one pass, instead of find_first_of's pass
// per special character.
constexpr auto kSpecial = [] {
  std::array<bool, 256> t{};
  t[','] = t['"'] = t['\r'] = t['\n'] = true;
  return t;
}();

bool NeedsQuotes(std::string_view field, char separator) {
  for (char c : field) {
    if (kSpecial[static_cast<unsigned char>(c)] || c == separator) return true;
  }
  return false;
}

// A plain decimal number, optionally signed ("-0.50", "+34911234567"): a
// spreadsheet reads it as a number and runs nothing.
bool IsPlainNumber(std::string_view field) {
  size_t i = field[0] == '+' || field[0] == '-' ? 1 : 0;
  size_t digits = 0;
  bool point = false;
  for (; i < field.size(); ++i) {
    const char c = field[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '.' && !point && digits > 0) {
      point = true;
    } else {
      return false;
    }
  }
  return digits > 0 && field.back() != '.';
}

}  // namespace

bool IsFormulaTrigger(std::string_view field) {
  if (field.empty()) return false;
  switch (field[0]) {
    case '=':
    case '@':
    case '\t':
    case '\r': return true;
    case '+':
    case '-': return !IsPlainNumber(field);
    default: return false;
  }
}

void AppendCsvField(std::string& out, std::string_view field, char separator) {
  // OWASP "CSV injection": a caller chooses their own caller ID and name, so
  // a cell a spreadsheet would run as a formula gets a leading apostrophe
  // (Calc and Excel then show it as text).
  const bool neutralise = IsFormulaTrigger(field);
  if (!NeedsQuotes(field, separator)) {
    if (neutralise) out += '\'';
    out.append(field);
    return;
  }
  out += '"';
  if (neutralise) out += '\'';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

CsvWriter::CsvWriter(CsvSink sink, char separator) : sink_(std::move(sink)), separator_(separator) {
  buffer_.reserve(kChunkBytes + 4096);
}

void CsvWriter::Field(std::string_view value) {
  if (row_started_) buffer_ += separator_;
  row_started_ = true;
  AppendCsvField(buffer_, value, separator_);
}

std::string& CsvWriter::UnquotedField() {
  if (row_started_) buffer_ += separator_;
  row_started_ = true;
  return buffer_;
}

base::Status CsvWriter::EndRow() {
  buffer_ += "\r\n";
  row_started_ = false;
  if (buffer_.size() >= kChunkBytes) return Flush();
  return failed_;
}

base::Status CsvWriter::Flush() {
  if (!failed_.ok()) {
    buffer_.clear();
    return failed_;
  }
  if (buffer_.empty()) return failed_;
  failed_ = sink_(buffer_);
  bytes_ += buffer_.size();
  buffer_.clear();
  return failed_;
}

}  // namespace tarifador::exports
