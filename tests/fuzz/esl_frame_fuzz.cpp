// libFuzzer target: arbitrary bytes into the ESL frame parser, split at a
// point chosen by the input, and every frame it yields into the event decoder.
// Nothing may crash, hang or grow without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "esl/event.h"
#include "esl/frame_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view all(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t split = all.empty() ? 0 : data[0] % (all.size() + 1);
  tarifador::esl::FrameParser parser(tarifador::esl::FrameLimits{.max_header_bytes = 4096, .max_body_bytes = 65536});
  for (std::string_view part : {all.substr(0, split), all.substr(split)}) {
    parser.Append(part);
    while (true) {
      auto frame = parser.Next();
      if (!frame.ok() || !*frame) break;
      auto event = tarifador::esl::ParseEvent(**frame);
      (void)event.ok();
    }
  }
  return 0;
}
