#include "base/csv_reader.h"

namespace tarifador::base {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool IsLineEnd(char c) { return c == '\n' || c == '\r'; }

}  // namespace

CsvReader::CsvReader(std::string_view text, Options options) : text_(text), options_(options) {
  if (text_.substr(0, kUtf8Bom.size()) == kUtf8Bom) pos_ = kUtf8Bom.size();
}

void CsvReader::ConsumeLineEnd() {
  if (pos_ >= text_.size()) return;
  if (text_[pos_] == '\r') {
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
  } else if (text_[pos_] == '\n') {
    ++pos_;
  } else {
    return;
  }
  ++line_;
}

void CsvReader::SkipLine() {
  while (pos_ < text_.size() && !IsLineEnd(text_[pos_])) ++pos_;
  ConsumeLineEnd();
}

Result<bool> CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  while (pos_ < text_.size() && options_.skip_empty_lines && IsLineEnd(text_[pos_])) ConsumeLineEnd();
  if (pos_ >= text_.size()) return false;
  record_line_ = line_;
  const auto fail = [this](const char* why) {
    return InvalidArgument("line " + std::to_string(record_line_) + ": " + why);
  };
  const size_t n = text_.size();
  for (;;) {
    std::string& field = fields.emplace_back();
    if (pos_ < n && text_[pos_] == '"') {
      ++pos_;
      for (;;) {
        const size_t quote = text_.find('"', pos_);
        const size_t end = quote == std::string_view::npos ? n : quote;
        // Quoted fields may hold line breaks; keep the physical line count right
        // so later errors name the line an editor shows.
        for (size_t i = pos_; i < end; ++i) {
          if (text_[i] == '\n' || (text_[i] == '\r' && (i + 1 >= n || text_[i + 1] != '\n'))) ++line_;
        }
        field.append(text_.substr(pos_, end - pos_));
        if (quote == std::string_view::npos) {
          pos_ = n;
          return fail("quoted field never closes (missing '\"')");
        }
        pos_ = quote + 1;
        if (pos_ < n && text_[pos_] == '"') {  // "" is an escaped quote
          field.push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      if (pos_ >= n) return true;
      const char c = text_[pos_];
      if (c == options_.delimiter) {
        ++pos_;
        continue;
      }
      if (IsLineEnd(c)) {
        ConsumeLineEnd();
        return true;
      }
      SkipLine();
      return fail("unexpected text after a closing quote");
    }
    const size_t start = pos_;
    while (pos_ < n) {
      const char c = text_[pos_];
      if (c == options_.delimiter || IsLineEnd(c)) break;
      if (c == '"') {
        SkipLine();
        return fail("quote inside an unquoted field (quote the whole field and double the quote)");
      }
      ++pos_;
    }
    field.assign(text_.substr(start, pos_ - start));
    if (pos_ >= n) return true;
    if (text_[pos_] == options_.delimiter) {
      ++pos_;
      continue;
    }
    ConsumeLineEnd();
    return true;
  }
}

}  // namespace tarifador::base
