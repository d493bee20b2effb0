#include "sync/copy_rows.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace tarifador::sync {
namespace {

// nlohmann's SAX interface: the library parses (and decodes the strings); we
// only place each top-level value in its column's slot, escaped for COPY.
// No DOM is built, so a payload costs its parse and the copies.
class RowHandler final : public nlohmann::json_sax<nlohmann::json> {
 public:
  RowHandler(std::span<const std::string_view> columns, std::string& scratch,
             std::vector<std::pair<size_t, size_t>>& slots, std::vector<bool>& present)
      : columns_(columns), scratch_(scratch), slots_(slots), present_(present) {}

  const std::string& error() const { return error_; }

  bool null() override { return Value(false, {}); }
  bool boolean(bool v) override { return Value(true, v ? "t" : "f"); }
  bool number_integer(number_integer_t v) override { return Integer(v); }
  bool number_unsigned(number_unsigned_t v) override { return Integer(v); }
  // The text as written: the server parses it again for its column's type.
  bool number_float(number_float_t, const string_t& raw) override { return Value(true, raw); }
  bool string(string_t& v) override {
    if (v.find('\0') != string_t::npos) return Fail("U+0000 in a string (PostgreSQL text cannot hold it)");
    return Value(true, v);
  }
  bool binary(binary_t&) override { return Fail("binary value"); }
  bool start_object(std::size_t) override {
    if (++depth_ > 1) return Fail("a value is an object or array; payloads are flat");
    return true;
  }
  bool key(string_t& k) override {
    column_ = -1;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const size_t c = (next_ + i) % columns_.size();  // payloads list the columns in order: the usual hit
      if (columns_[c] == k) {
        column_ = static_cast<int>(c);
        next_ = c + 1;
        break;
      }
    }
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    return Fail(depth_ == 0 ? "not a JSON object" : "a value is an object or array; payloads are flat");
  }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception& e) override {
    error_ = std::string("reading an outbox payload at byte ").append(std::to_string(position)).append(": ");
    // nlohmann's what() starts with "[json.exception.parse_error.101] parse error at ...": keep the reason.
    const std::string_view what = e.what();
    const size_t colon = what.rfind(": ");
    error_.append(colon == std::string_view::npos ? what : what.substr(colon + 2));
    return false;
  }

 private:
  bool Fail(std::string_view what) {
    error_ = std::string("reading an outbox payload: ").append(what);
    return false;
  }
  bool Value(bool present, std::string_view text) {
    if (depth_ != 1) return Fail("not a JSON object");
    if (column_ < 0) return true;  // not a mirrored column: ignored
    const size_t begin = scratch_.size();
    if (present) AppendCopyText(scratch_, text);
    slots_[static_cast<size_t>(column_)] = {begin, scratch_.size()};
    present_[static_cast<size_t>(column_)] = present;
    return true;
  }
  template <typename Int>
  bool Integer(Int v) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return Value(true, std::string_view(buf, static_cast<size_t>(end - buf)));
  }

  std::span<const std::string_view> columns_;
  std::string& scratch_;
  std::vector<std::pair<size_t, size_t>>& slots_;
  std::vector<bool>& present_;
  std::string error_;
  int depth_ = 0;
  int column_ = -1;
  size_t next_ = 0;
};

}  // namespace

void AppendCopyText(std::string& out, std::string_view value) {
  size_t start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const char* esc = nullptr;
    switch (value[i]) {
      case '\\': esc = "\\\\"; break;
      case '\t': esc = "\\t"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      default: continue;
    }
    out.append(value, start, i - start).append(esc);
    start = i + 1;
  }
  out.append(value, start, value.size() - start);
}

CopyRowEncoder::CopyRowEncoder(std::span<const std::string_view> columns)
    : columns_(columns), slots_(columns.size()), present_(columns.size(), false) {}

base::Status CopyRowEncoder::Parse(std::string_view payload) {
  scratch_.clear();
  present_.assign(columns_.size(), false);
  RowHandler handler(columns_, scratch_, slots_, present_);
  if (!nlohmann::json::sax_parse(payload, &handler)) {
    return base::InvalidArgument(handler.error().empty() ? "reading an outbox payload: not a JSON object"
                                                         : handler.error());
  }
  return base::Status::Ok();
}

base::Status CopyRowEncoder::Append(std::string& out, std::string_view payload) {
  TARIFADOR_RETURN_IF_ERROR(Parse(payload));
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (c > 0) out += '\t';
    if (present_[c]) {
      out.append(scratch_, slots_[c].first, slots_[c].second - slots_[c].first);
    } else {
      out.append("\\N");
    }
  }
  out += '\n';
  return base::Status::Ok();
}

}  // namespace tarifador::sync
