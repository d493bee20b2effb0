#pragma once
// A FreeSWITCH event decoded from a text/event-plain or text/event-json frame
// (ESL-NOTES section 1): its headers (values decoded) and its own body (the
// output of a BACKGROUND_JOB, for instance).
#include <string>
#include <string_view>

#include "base/status.h"
#include "esl/frame.h"

namespace tarifador::esl {

struct Event {
  Headers headers;
  std::string body;

  std::string_view name() const { return headers.Get("Event-Name"); }
  std::string_view unique_id() const { return headers.Get("Unique-ID"); }
};

// Decodes the event carried by `frame`. Plain: the body is a second header
// block with URL-encoded values, optionally followed by an inner
// Content-Length body. JSON: one object of string values; arrays become
// FreeSWITCH's "ARRAY::a|:b" text; "_body" is the body. Fails with
// InvalidArgument for other content types or a malformed body.
base::Result<Event> ParseEvent(const Frame& frame);

}  // namespace tarifador::esl
