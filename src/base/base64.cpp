#include "base/base64.h"

#include <sodium.h>

namespace tarifador::base {

Result<std::string> DecodeBase64(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  if (text.empty()) return std::string();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t out_len = 0;
  const char* end = nullptr;
  // With a non-null `end`, libsodium stops at the first byte that is not
  // base64 and reports success for what came before it; requiring `end` to
  // be the end of the text turns that into a failure, with its position.
  const int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                                   nullptr, &out_len, &end, sodium_base64_VARIANT_ORIGINAL);
  if (rc != 0 || end != text.data() + text.size()) {
    const size_t at = end != nullptr ? static_cast<size_t>(end - text.data()) : 0;
    return InvalidArgument("decoding base64: bad character, length or padding at byte " + std::to_string(at) + " of " +
                           std::to_string(text.size()));
  }
  out.resize(out_len);
  return out;
}

std::string EncodeBase64Url(std::string_view bytes) {
  const size_t cap = sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string out(cap, '\0');
  sodium_bin2base64(out.data(), cap, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(cap - 1);  // the encoded length includes the terminating NUL
  return out;
}

Result<std::string> DecodeBase64Url(std::string_view text) {
  if (text.empty()) return std::string();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t out_len = 0;
  const char* end = nullptr;
  const int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                                   nullptr, &out_len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  if (rc != 0 || end != text.data() + text.size()) {
    return InvalidArgument("decoding base64url: bad character or length");
  }
  out.resize(out_len);
  return out;
}

}  // namespace tarifador::base
