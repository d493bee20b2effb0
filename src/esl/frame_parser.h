#pragma once
// Incremental ESL frame parser: feed it whatever the socket returned, in any
// fragmentation, and take out whole frames. Malformed input (a header line
// without ':', a bad or huge Content-Length, an oversized header block) is an
// error after which the connection must be dropped: the byte stream has lost
// its framing and nothing later can be trusted.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "esl/frame.h"

namespace tarifador::esl {

struct FrameLimits {
  // The outer header block. Normal frames have 2-4 headers; the outbound-mode
  // connect reply carries the whole CHANNEL_DATA (about 10 KiB in the captures).
  size_t max_header_bytes = 256 * 1024;
  // FreeSWITCH's own MAX_CONTENT_LENGTH (mod_event_socket.c 38).
  size_t max_body_bytes = 16 * 1024 * 1024;
};

class FrameParser {
 public:
  explicit FrameParser(FrameLimits limits = {}) : limits_(limits) {}

  // Appends bytes as read from the socket.
  void Append(std::string_view bytes);

  // The next complete frame, std::nullopt when more bytes are needed, or
  // InvalidArgument describing the malformed input. After an error every
  // further call returns the same error. Not thread-safe.
  base::Result<std::optional<Frame>> Next();

  // Bytes held that are not yet part of a returned frame.
  size_t buffered() const { return buffer_.size() - start_; }

 private:
  base::Status Fail(std::string message);
  base::Status ParseHeaderBlock(std::string_view block);
  void Compact();

  FrameLimits limits_;
  std::string buffer_;
  size_t start_ = 0;      // where the current frame begins in buffer_
  size_t scan_ = 0;       // where the search for the blank line resumes
  bool in_body_ = false;  // header block parsed, waiting for body bytes
  size_t body_len_ = 0;
  size_t body_start_ = 0;
  Frame pending_;
  base::Status error_;
};

// Parses "Name: value" lines (LF or CRLF) into `out`, appending to what it
// holds; empty lines are skipped. The value starts after the ':' and any
// spaces, and a '\r' ending the line is dropped. With `url_decode` the values
// are URL-decoded (url_codec.h). `lenient`: a line without ':' continues the
// previous value (seen in captures whose values were decoded by hand);
// otherwise it is an error (InvalidArgument quoting the line), and `out` then
// keeps the headers before it.
base::Status ParseHeaderLines(std::string_view block, bool url_decode, bool lenient, Headers& out);

// The same, but stops at the first empty line ("\n" or "\r\n"): returns the
// offset just past it, or text.size() when there is none. This is the inner
// header block of a text/event-plain body, parsed without first searching for
// its end.
base::Result<size_t> ParseHeaderLinesToBlankLine(std::string_view text, bool url_decode, bool lenient, Headers& out);

}  // namespace tarifador::esl
