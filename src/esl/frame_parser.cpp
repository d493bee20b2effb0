#include "esl/frame_parser.h"

#include "esl/url_codec.h"

namespace tarifador::esl {
namespace {

std::string Printable(std::string_view s, size_t max = 60) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u > 0x7e) ? '?' : c;
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

base::Status ParseHeaderLines(std::string_view block, bool url_decode, bool lenient, Headers& out) {
  size_t pos = 0;
  while (pos < block.size()) {
    size_t nl = block.find('\n', pos);
    if (nl == std::string_view::npos) nl = block.size();
    std::string_view line = block.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      if (lenient && !out.empty()) {
        // Append to the previous header's value (hand-decoded multi-line values).
        out.AppendToLast("\n");
        out.AppendToLast(line);
        continue;
      }
      return base::InvalidArgument("header line \"" + Printable(line) + "\" has no \"Name:\"");
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    out.Add(std::string(line.substr(0, colon)), url_decode ? UrlDecode(value) : std::string(value));
  }
  return base::Status::Ok();
}

void FrameParser::Append(std::string_view bytes) {
  if (!error_.ok()) return;
  Compact();
  buffer_.append(bytes);
}

void FrameParser::Compact() {
  // Drop consumed bytes once they dominate, so memory stays bounded and
  // appends stay amortised O(1).
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    scan_ -= start_;
    if (in_body_) body_start_ -= start_;
    start_ = 0;
  }
}

base::Status FrameParser::Fail(std::string message) {
  error_ = base::InvalidArgument("malformed ESL frame: " + std::move(message));
  return error_;
}

base::Status FrameParser::ParseHeaderBlock(std::string_view block) {
  pending_ = Frame{};
  base::Status s = ParseHeaderLines(block, /*url_decode=*/true, /*lenient=*/false, pending_.headers);
  if (!s.ok()) return Fail(s.message());
  pending_.type = ParseContentType(pending_.headers.Get("Content-Type"));
  body_len_ = 0;
  if (const std::string* cl = pending_.headers.Find("Content-Length")) {
    if (cl->empty() || cl->size() > 9) return Fail("Content-Length \"" + Printable(*cl) + "\" is not a valid length");
    size_t n = 0;
    for (char c : *cl) {
      if (c < '0' || c > '9') return Fail("Content-Length \"" + Printable(*cl) + "\" is not a number");
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (n > limits_.max_body_bytes) {
      return Fail("Content-Length " + *cl + " exceeds the limit of " + std::to_string(limits_.max_body_bytes));
    }
    body_len_ = n;
  }
  return base::Status::Ok();
}

base::Result<std::optional<Frame>> FrameParser::Next() {
  if (!error_.ok()) return error_;
  if (!in_body_) {
    // Skip blank lines between frames.
    while (start_ < buffer_.size() && (buffer_[start_] == '\n' || buffer_[start_] == '\r')) ++start_;
    if (scan_ < start_) scan_ = start_;
    // Find the empty line that ends the header block, resuming where the last
    // call stopped so byte-by-byte feeding stays linear.
    size_t end = std::string::npos;
    size_t next = std::string::npos;
    while (true) {
      const size_t nl = buffer_.find('\n', scan_);
      if (nl == std::string::npos) break;
      size_t after = nl + 1;
      if (after < buffer_.size() && buffer_[after] == '\r') ++after;
      if (after >= buffer_.size()) break;  // cannot tell yet whether a blank line follows
      if (buffer_[after] == '\n') {
        end = nl;
        next = after + 1;
        break;
      }
      scan_ = nl + 1;
    }
    if (end == std::string::npos) {
      if (buffered() > limits_.max_header_bytes) {
        return Fail("header block exceeds " + std::to_string(limits_.max_header_bytes) + " bytes");
      }
      return std::optional<Frame>();
    }
    if (end - start_ > limits_.max_header_bytes) {
      return Fail("header block exceeds " + std::to_string(limits_.max_header_bytes) + " bytes");
    }
    TARIFADOR_RETURN_IF_ERROR(ParseHeaderBlock(std::string_view(buffer_).substr(start_, end - start_)));
    in_body_ = true;
    body_start_ = next;
  }
  if (buffer_.size() - body_start_ < body_len_) return std::optional<Frame>();
  pending_.body.assign(buffer_, body_start_, body_len_);
  start_ = body_start_ + body_len_;
  scan_ = start_;
  in_body_ = false;
  Compact();
  return std::optional<Frame>(std::move(pending_));
}

}  // namespace tarifador::esl
