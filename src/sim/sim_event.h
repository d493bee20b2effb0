#pragma once
// One event the fake FreeSWITCH emits, and its two wire forms
// (ESL-NOTES section 1): text/event-plain (URL-encoded values, optional inner
// Content-Length body) and text/event-json (raw values, duplicate keys kept).
#include <string>
#include <string_view>

#include "esl/headers.h"

namespace tarifador::sim {

struct SimEvent {
  std::string name;      // Event-Name, e.g. "CHANNEL_HANGUP_COMPLETE"
  esl::Headers headers;  // in FreeSWITCH order, Event-Name first; duplicates allowed
  std::string body;      // the event's own body (BACKGROUND_JOB output); often empty
};

// The whole frame "Content-Length: N\nContent-Type: text/event-plain\n\n<body>"
// exactly as mod_event_socket writes it: each header as "Name: urlencoded\n",
// then "Content-Length: M\n\n<body>" when the event has a body, else "\n".
std::string EncodePlainFrame(const SimEvent& event);

// The whole text/event-json frame: one unformatted JSON object of string
// values in header order (duplicate names become duplicate keys, as
// cJSON_PrintUnformatted writes them), plus "Content-Length" and "_body"
// when the event has a body.
std::string EncodeJsonFrame(const SimEvent& event);

// Appends `text` to `out` as a JSON string literal (quotes included).
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace tarifador::sim
