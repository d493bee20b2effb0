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

bool NeedsQuotes(std::string_view field) {
  for (char c : field) {
    if (kSpecial[static_cast<unsigned char>(c)]) return true;
  }
  return false;
}

}  // namespace

void AppendCsvField(std::string& out, std::string_view field) {
  if (!NeedsQuotes(field)) {
    out.append(field);
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

CsvWriter::CsvWriter(CsvSink sink) : sink_(std::move(sink)) { buffer_.reserve(kChunkBytes + 4096); }

void CsvWriter::Field(std::string_view value) {
  if (row_started_) buffer_ += ',';
  row_started_ = true;
  AppendCsvField(buffer_, value);
}

std::string& CsvWriter::UnquotedField() {
  if (row_started_) buffer_ += ',';
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
