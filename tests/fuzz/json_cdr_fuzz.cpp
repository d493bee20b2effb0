// libFuzzer target: arbitrary bytes into the mod_json_cdr decoders, as an
// err-log file and as a POST body of every Content-Type mod_json_cdr sends
// (with and without a "cdr=" prefix, so the mutations reach the url and
// base64 decoders directly). Nothing may crash, hang or grow without bound,
// and whatever decodes must be a CHANNEL_HANGUP_COMPLETE naming its leg.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "esl/json_cdr.h"

namespace {

void Check(const tarifador::base::Result<tarifador::esl::Event>& r) {
  if (!r.ok()) {
    if (r.status().message().empty()) std::abort();  // every refusal says why
    return;
  }
  if (r->name() != "CHANNEL_HANGUP_COMPLETE" || r->unique_id().empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  Check(tarifador::esl::DecodeJsonCdrFile(in));
  Check(tarifador::esl::JsonCdrToEvent(in));
  const std::string field = std::string("cdr=").append(in);
  for (const char* type : {"", "application/json", "application/x-www-form-urlencoded",
                           "application/x-www-form-base64-encoded", "text/xml"}) {
    Check(tarifador::esl::DecodeJsonCdrPost(in, type));
    Check(tarifador::esl::DecodeJsonCdrPost(field, type));
  }
  return 0;
}
