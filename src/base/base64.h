#pragma once
// Base64 decoding (RFC 4648 section 4, the standard alphabet "A-Z a-z 0-9 + /"
// with '=' padding), through libsodium's sodium_base642bin so that nobody
// hand-writes it again. Used for mod_json_cdr's `encode=base64` bodies and
// err-log files (ESL-NOTES section 5), which FreeSWITCH's switch_b64_encode
// writes in exactly this form: padded, no line breaks.
#include <string>
#include <string_view>

#include "base/status.h"

namespace tarifador::base {

// Decodes `text`. Trailing whitespace (spaces, tabs, CR, LF; a file written
// with a final newline) is ignored; everything before it must be base64 with
// correct padding: the length a multiple of 4, '=' only at the end, and
// unused bits of the last character zero. Whitespace or any other byte inside
// the text, or missing padding, fails with InvalidArgument naming the byte
// offset where decoding stopped. The empty text decodes to "".
// Pure function; thread-safe; needs no libsodium initialisation.
Result<std::string> DecodeBase64(std::string_view text);

// URL-safe base64 without padding (RFC 4648 section 5, "A-Z a-z 0-9 - _"),
// for opaque tokens that travel in query strings (CDR search cursors).
std::string EncodeBase64Url(std::string_view bytes);

// The inverse; any byte outside that alphabet, or a length no encoding has,
// fails with InvalidArgument. Thread-safe.
Result<std::string> DecodeBase64Url(std::string_view text);

}  // namespace tarifador::base
