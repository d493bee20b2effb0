#pragma once
// One ESL "packet" (ESL-NOTES section 1): a header block, then exactly
// Content-Length bytes of body when that header is present.
#include <string>
#include <string_view>

#include "esl/headers.h"

namespace tarifador::esl {

enum class ContentType {
  kNone,              // a header block without Content-Type (should not happen)
  kAuthRequest,       // auth/request
  kCommandReply,      // command/reply (Reply-Text header)
  kApiResponse,       // api/response (body)
  kEventPlain,        // text/event-plain
  kEventJson,         // text/event-json
  kEventXml,          // text/event-xml (not subscribed by tarifador)
  kDisconnectNotice,  // text/disconnect-notice
  kRudeRejection,     // text/rude-rejection
  kLogData,           // log/data
  kOther,             // anything else: kept, logged, ignored
};

ContentType ParseContentType(std::string_view text);
const char* ContentTypeName(ContentType type);

struct Frame {
  Headers headers;  // values URL-decoded
  std::string body;
  ContentType type = ContentType::kNone;
};

}  // namespace tarifador::esl
