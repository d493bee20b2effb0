#include "esl/frame.h"

namespace tarifador::esl {
namespace {

struct Name {
  ContentType type;
  const char* text;
};
constexpr Name kNames[] = {
    {ContentType::kAuthRequest, "auth/request"},
    {ContentType::kCommandReply, "command/reply"},
    {ContentType::kApiResponse, "api/response"},
    {ContentType::kEventPlain, "text/event-plain"},
    {ContentType::kEventJson, "text/event-json"},
    {ContentType::kEventXml, "text/event-xml"},
    {ContentType::kDisconnectNotice, "text/disconnect-notice"},
    {ContentType::kRudeRejection, "text/rude-rejection"},
    {ContentType::kLogData, "log/data"},
};

}  // namespace

ContentType ParseContentType(std::string_view text) {
  if (text.empty()) return ContentType::kNone;
  for (const Name& n : kNames) {
    if (EqualsIgnoreCase(text, n.text)) return n.type;
  }
  return ContentType::kOther;
}

const char* ContentTypeName(ContentType type) {
  for (const Name& n : kNames) {
    if (n.type == type) return n.text;
  }
  return type == ContentType::kNone ? "(none)" : "(other)";
}

}  // namespace tarifador::esl
