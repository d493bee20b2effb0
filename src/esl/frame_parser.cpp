#include "esl/frame_parser.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

// TARIFADOR_ESL_PORTABLE_SCAN forces the portable ScanLine on x86 too, to
// test it (it is what ARM builds run).
#if defined(__SSE2__) && !defined(TARIFADOR_ESL_PORTABLE_SCAN)
#define TARIFADOR_ESL_SSE2_SCAN 1
#include <emmintrin.h>
#endif

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

// One header line, as offsets from its first byte.
struct LineScan {
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t end;    // of the '\n', or of the end of the text
  size_t colon;  // of the first ':' before `end`, or kNone
  size_t pct;    // of the first '%' before `end`, or kNone
};

// Bytes readable past the end of the text by ScanLine (it loads 16 at a time).
constexpr size_t kScanPadding = 16;

#if defined(TARIFADOR_ESL_SSE2_SCAN)
// Header lines are 20-100 bytes: looking at 16 bytes per step, for the three
// bytes at once, is what makes the parser fast (docs/PERFORMANCE.md).
// Precondition: p < end, [p, end + kScanPadding) is readable, and none of
// '\n', ':' and '%' occurs in [end, end + kScanPadding).
LineScan ScanLine(const char* p, const char* end) {
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i colon = _mm_set1_epi8(':');
  const __m128i percent = _mm_set1_epi8('%');
  LineScan r{static_cast<size_t>(end - p), LineScan::kNone, LineScan::kNone};
  for (size_t at = 0; at < r.end; at += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    const auto nl = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)));
    const unsigned before_nl = nl != 0 ? (nl & (0u - nl)) - 1 : 0xFFFFu;  // the bytes before the first '\n'
    const unsigned c = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, colon))) & before_nl;
    const unsigned q = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, percent))) & before_nl;
    if (r.colon == LineScan::kNone && c != 0) r.colon = at + static_cast<size_t>(std::countr_zero(c));
    if (r.pct == LineScan::kNone && q != 0) r.pct = at + static_cast<size_t>(std::countr_zero(q));
    if (nl != 0) {
      r.end = at + static_cast<size_t>(std::countr_zero(nl));
      break;
    }
  }
  return r;
}
#else
LineScan ScanLine(const char* p, const char* end) {
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
  LineScan r{static_cast<size_t>((nl == nullptr ? end : nl) - p), LineScan::kNone, LineScan::kNone};
  if (const void* c = std::memchr(p, ':', r.end)) r.colon = static_cast<size_t>(static_cast<const char*>(c) - p);
  if (const void* q = std::memchr(p, '%', r.end)) r.pct = static_cast<size_t>(static_cast<const char*>(q) - p);
  return r;
}
#endif

}  // namespace

// Fills Headers' buffer and index directly (it is Headers' friend): the
// block is copied into the buffer once, names and values are indexed where
// they lie, and values are URL-decoded in place. No per-header allocation or
// copy.
class HeaderLineParser {
 public:
  // Parses "Name: value" lines of `text` into `out` (contract of
  // ParseHeaderLines). With `stop_at_blank`, stops at the first empty line and
  // returns the offset just past it; otherwise empty lines are skipped.
  // Returns text.size() when the text ran out first.
  static base::Result<size_t> Run(std::string_view text, bool url_decode, bool lenient, bool stop_at_blank,
                                  Headers& out) {
    std::string& buf = out.text_;
    const size_t base = buf.size();
    // [what was there][1 spare byte][copy of text][zero padding for ScanLine]
    // The spare byte lets a continuation line be appended, with its '\n', to
    // a value that ends right at `base`.
    const size_t copy_at = base + 1;
    buf.resize(copy_at + text.size() + kScanPadding);
    if (!text.empty()) std::memcpy(buf.data() + copy_at, text.data(), text.size());
    std::vector<Headers::Entry>& index = out.index_;
    index.reserve(index.size() + text.size() / 32 + 8);
    char* const arena = buf.data();
    char* p = arena + copy_at;
    char* const end = p + text.size();
    // Trims the buffer after the last value on every exit, so that the index
    // never points past its end and the copied block's tail is not kept.
    auto finish = [&](size_t result) -> base::Result<size_t> {
      size_t used = base;
      if (!index.empty()) used = std::max(used, index.back().value_offset + index.back().value_size);
      buf.resize(used);
      // Do not keep a large event body's worth of room in a stored event.
      if (buf.capacity() > 2 * buf.size() + 4096) buf.shrink_to_fit();
      return result;
    };
    auto offset = [arena](const char* at) { return static_cast<size_t>(at - arena); };
    while (p < end) {
      // An empty line: "\n", "\r\n", or a lone "\r" ending the text.
      if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] == '\n'))) {
        char* const after = *p == '\n' ? p + 1 : std::min(p + 2, end);
        if (stop_at_blank && after[-1] == '\n') return finish(offset(after) - copy_at);
        p = after;
        continue;
      }
      const LineScan line = ScanLine(p, end);
      char* const next = std::min(p + line.end + 1, end);
      char* line_end = p + line.end;
      if (line_end[-1] == '\r') --line_end;  // still past p: see the empty-line test above
      if (line.colon == LineScan::kNone || line.colon == 0) {
        const auto size = static_cast<size_t>(line_end - p);
        if (!lenient || index.empty()) {
          const std::string message = "header line \"" + Printable(std::string_view(p, size)) + "\" has no \"Name:\"";
          (void)finish(0);
          return base::InvalidArgument(message);
        }
        // Append "\n" and the line to the previous header's value
        // (hand-decoded multi-line values). That value ends before this line
        // (at least its newline or the spare byte lies between), and nothing
        // after it is in use.
        Headers::Entry& last = index.back();
        char* const to = arena + last.value_offset + last.value_size;
        std::memmove(to + 1, p, size);
        *to = '\n';
        last.value_size += 1 + size;
        p = next;
        continue;
      }
      char* value = p + line.colon + 1;
      while (value < line_end && *value == ' ') ++value;
      auto value_size = static_cast<size_t>(line_end - value);
      if (url_decode && line.pct != LineScan::kNone) {
        // Decode from the first '%' of the value (a '%' in the name, which
        // FreeSWITCH never sends, only costs a longer decode). Neither '\r'
        // nor '\n' is a '%', so the '%' lies before line_end.
        char* const from = std::max(p + line.pct, value);
        value_size = static_cast<size_t>(from - value) +
                     UrlDecodeTo(std::string_view(from, static_cast<size_t>(line_end - from)), from);
      }
      index.push_back(Headers::Entry{offset(p), line.colon, offset(value), value_size});
      p = next;
    }
    return finish(text.size());
  }
};

base::Status ParseHeaderLines(std::string_view block, bool url_decode, bool lenient, Headers& out) {
  return HeaderLineParser::Run(block, url_decode, lenient, /*stop_at_blank=*/false, out).status();
}

base::Result<size_t> ParseHeaderLinesToBlankLine(std::string_view text, bool url_decode, bool lenient, Headers& out) {
  return HeaderLineParser::Run(text, url_decode, lenient, /*stop_at_blank=*/true, out);
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
  if (const std::optional<std::string_view> cl = pending_.headers.Find("Content-Length")) {
    if (cl->empty() || cl->size() > 9) return Fail("Content-Length \"" + Printable(*cl) + "\" is not a valid length");
    size_t n = 0;
    for (char c : *cl) {
      if (c < '0' || c > '9') return Fail("Content-Length \"" + Printable(*cl) + "\" is not a number");
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (n > limits_.max_body_bytes) {
      return Fail(std::string("Content-Length ").append(*cl).append(" exceeds the limit of ") +
                  std::to_string(limits_.max_body_bytes));
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
