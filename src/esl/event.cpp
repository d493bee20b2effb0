#include "esl/event.h"

#include <nlohmann/json.hpp>

#include "esl/frame_parser.h"

namespace tarifador::esl {
namespace {

base::Result<Event> ParsePlain(const std::string& body) {
  Event ev;
  size_t begin = 0;
  // Tolerate blank lines before the first header (one capture has them).
  while (begin < body.size() && (body[begin] == '\n' || body[begin] == '\r')) ++begin;
  // The inner header block ends at the first empty line (or the end of the
  // body); its own body, if any, follows. Lenient: a hand-decoded capture has
  // multi-line values; real FreeSWITCH output never does, since it encodes \n.
  const base::Result<size_t> header_end =
      ParseHeaderLinesToBlankLine(std::string_view(body).substr(begin),
                                  /*url_decode=*/true, /*lenient=*/true, ev.headers);
  if (!header_end.ok()) return header_end.status();
  const size_t rest = begin + *header_end;
  if (const std::optional<std::string_view> cl = ev.headers.Find("Content-Length")) {
    size_t n = 0;
    if (cl->empty() || cl->size() > 9) {
      return base::InvalidArgument(std::string("event Content-Length \"").append(*cl).append("\" is invalid"));
    }
    for (char c : *cl) {
      if (c < '0' || c > '9') {
        return base::InvalidArgument(std::string("event Content-Length \"").append(*cl).append("\" is not a number"));
      }
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (n > body.size() - rest) {
      return base::InvalidArgument(std::string("event Content-Length ").append(*cl).append(" is longer than the ") +
                                   std::to_string(body.size() - rest) + " bytes left in the frame");
    }
    ev.body.assign(body, rest, n);
  }
  return ev;
}

std::string JsonText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out = "ARRAY::";
    bool first = true;
    for (const auto& item : v) {
      if (!first) out += "|:";
      first = false;
      out += JsonText(item);
    }
    return out;
  }
  return v.dump();
}

base::Result<Event> ParseJson(const std::string& body) {
  Event ev;
  try {
    // Duplicate keys (Hangup-Cause in HANGUP_COMPLETE) are accepted; the last wins.
    const nlohmann::json doc = nlohmann::json::parse(body);
    if (!doc.is_object()) return base::InvalidArgument("event JSON is not an object");
    for (const auto& [key, value] : doc.items()) {
      if (key == "_body") {
        ev.body = JsonText(value);
      } else if (key != "Content-Length") {
        ev.headers.Add(key, JsonText(value));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return base::InvalidArgument(std::string("event JSON does not parse: ") + e.what());
  }
  return ev;
}

}  // namespace

base::Result<Event> ParseEvent(const Frame& frame) {
  switch (frame.type) {
    case ContentType::kEventPlain: return ParsePlain(frame.body);
    case ContentType::kEventJson: return ParseJson(frame.body);
    default:
      return base::InvalidArgument(std::string("frame of type ") + ContentTypeName(frame.type) +
                                   " does not carry an event");
  }
}

}  // namespace tarifador::esl
