#include "sim/command_reader.h"

#include "esl/frame_parser.h"

namespace tarifador::sim {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;

}  // namespace

void CommandReader::Append(std::string_view bytes) {
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

base::Result<std::optional<Command>> CommandReader::Next() {
  // Blank lines between commands are skipped.
  while (start_ < buffer_.size() && (buffer_[start_] == '\n' || buffer_[start_] == '\r')) ++start_;
  size_t end = std::string::npos;  // the '\n' ending the last header line
  size_t next = 0;                 // first byte after the blank line
  for (size_t nl = buffer_.find('\n', start_); nl != std::string::npos; nl = buffer_.find('\n', nl + 1)) {
    size_t after = nl + 1;
    if (after < buffer_.size() && buffer_[after] == '\r') ++after;
    if (after < buffer_.size() && buffer_[after] == '\n') {
      end = nl;
      next = after + 1;
      break;
    }
  }
  if (end == std::string::npos) {
    if (buffer_.size() - start_ > kMaxHeaderBytes) {
      return base::InvalidArgument("command header block exceeds " + std::to_string(kMaxHeaderBytes) + " bytes");
    }
    return std::optional<Command>();
  }
  std::string_view block(buffer_.data() + start_, end - start_);
  const size_t first_nl = block.find('\n');
  Command cmd;
  std::string_view line = block.substr(0, first_nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  cmd.line = std::string(line);
  if (first_nl != std::string_view::npos) {
    TARIFADOR_RETURN_IF_ERROR(esl::ParseHeaderLines(block.substr(first_nl + 1), /*url_decode=*/false,
                                                    /*lenient=*/false, cmd.headers));
  }
  size_t body_len = 0;
  if (const std::optional<std::string_view> cl_view = cmd.headers.Find("Content-Length")) {
    const std::string cl(*cl_view);
    if (cl.empty() || cl.size() > 9 || cl.find_first_not_of("0123456789") != std::string::npos) {
      return base::InvalidArgument("command Content-Length \"" + cl + "\" is not a number");
    }
    body_len = std::stoul(cl);
    if (body_len > kMaxBodyBytes) return base::InvalidArgument("command Content-Length " + cl + " is too large");
  }
  if (buffer_.size() - next < body_len) return std::optional<Command>();
  cmd.body.assign(buffer_, next, body_len);
  start_ = next + body_len;
  return std::optional<Command>(std::move(cmd));
}

}  // namespace tarifador::sim
