#include "export/csv_writer.h"

#include <utility>

namespace tarifador::exports {

void AppendCsvField(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
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
