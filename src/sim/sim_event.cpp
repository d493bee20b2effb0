#include "sim/sim_event.h"

#include <cstdio>

#include "esl/url_codec.h"

namespace tarifador::sim {

std::string EncodePlainFrame(const SimEvent& event) {
  std::string inner;
  inner.reserve(4096);
  for (const auto& [name, value] : event.headers.items()) {
    inner += name;
    inner += ": ";
    // An empty value prints as _undef_ in switch_event_serialize.
    inner += value.empty() ? std::string("_undef_") : esl::UrlEncode(value);
    inner += '\n';
  }
  if (!event.body.empty()) {
    inner += "Content-Length: " + std::to_string(event.body.size()) + "\n\n";
    inner += event.body;
  } else {
    inner += '\n';
  }
  std::string frame = "Content-Length: " + std::to_string(inner.size()) + "\nContent-Type: text/event-plain\n\n";
  frame += inner;
  return frame;
}

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string EncodeJsonFrame(const SimEvent& event) {
  std::string json = "{";
  bool first = true;
  auto add = [&](std::string_view name, std::string_view value) {
    if (!first) json += ',';
    first = false;
    AppendJsonString(json, name);
    json += ':';
    AppendJsonString(json, value);
  };
  for (const auto& [name, value] : event.headers.items()) add(name, value);
  if (!event.body.empty()) {
    add("Content-Length", std::to_string(event.body.size()));
    add("_body", event.body);
  }
  json += '}';
  std::string frame = "Content-Length: " + std::to_string(json.size()) + "\nContent-Type: text/event-json\n\n";
  frame += json;
  return frame;
}

}  // namespace tarifador::sim
