#pragma once
// Splits the client -> server byte stream into ESL commands (ESL-NOTES
// section 1): a command line, optional "Name: value" header lines, a blank
// line, then Content-Length bytes of body when that header is present. CR is
// ignored as mod_event_socket's read_packet ignores it. esl::FrameParser
// cannot take this form whole, because a command line ("auth ClueCon") has
// no "Name:"; the header lines after it go through esl::ParseHeaderLines.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "esl/headers.h"

namespace tarifador::sim {

struct Command {
  std::string line;      // "api uuid_kill <uuid> NORMAL_CLEARING"
  esl::Headers headers;  // e.g. Job-UUID for bgapi (values as sent, not decoded)
  std::string body;
};

class CommandReader {
 public:
  // Appends bytes as read from the socket.
  void Append(std::string_view bytes);
  // The next complete command, nullopt when more bytes are needed, or
  // InvalidArgument for a header block over 64 KiB, a bad header line or a
  // Content-Length over 16 MiB (mod_event_socket's MAX_CONTENT_LENGTH), after
  // which the connection must be closed. Not thread-safe.
  base::Result<std::optional<Command>> Next();

 private:
  std::string buffer_;
  size_t start_ = 0;
};

}  // namespace tarifador::sim
