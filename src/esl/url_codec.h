#pragma once
// FreeSWITCH's URL encoding of event header values (switch_url_encode,
// ESL-NOTES section 1): %XX with upper-case hex for bytes below 0x20, above
// '~', and the set \r \n space # % & + : ; < = > ? @ [ \ ] ^ ` { | } ".
#include <cstddef>
#include <string>
#include <string_view>

namespace tarifador::esl {

// Decodes %XX escapes; a '%' not followed by two hex digits is kept as is
// (FreeSWITCH does not double-encode, so such text can occur). '+' is kept:
// FreeSWITCH encodes a literal plus as %2B and never writes '+' for a space.
std::string UrlDecode(std::string_view text);

// The same decoding into `out`, which must have room for text.size() bytes
// (decoding never lengthens). Returns the number of bytes written. `out` may
// equal text.data() (in-place decoding) but must not otherwise overlap it.
size_t UrlDecodeTo(std::string_view text, char* out);

// Encodes exactly as FreeSWITCH does, for the simulator and tests.
std::string UrlEncode(std::string_view text);

}  // namespace tarifador::esl
