#include "esl/url_codec.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace tarifador::esl {

namespace {

// The value of each byte as a hex digit (either case), or -1.
constexpr std::array<int8_t, 256> MakeHexTable() {
  std::array<int8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    t[static_cast<size_t>(c)] = static_cast<int8_t>(v);
  }
  return t;
}
constexpr std::array<int8_t, 256> kHex = MakeHexTable();

}  // namespace

size_t UrlDecodeTo(std::string_view text, char* out) {
  const char* in = text.data();
  const char* const end = in + text.size();
  char* o = out;
  // Skip to the first escape in bulk (the ESL parser calls this from there).
  if (!text.empty() && *in != '%') {
    const void* pct = std::memchr(in, '%', text.size());
    const size_t run = static_cast<size_t>((pct == nullptr ? end : static_cast<const char*>(pct)) - in);
    std::memmove(o, in, run);  // memmove: `out` may be `text` itself
    in += run;
    o += run;
  }
  // Then byte by byte: escapes come in clusters (dates, addresses), and a
  // library call per escape costs more than this loop.
  while (in < end) {
    const char c = *in;
    if (c == '%' && end - in > 2) {
      const int hi = kHex[static_cast<unsigned char>(in[1])];
      const int lo = kHex[static_cast<unsigned char>(in[2])];
      if ((hi | lo) >= 0) {
        *o++ = static_cast<char>(hi * 16 + lo);
        in += 3;
        continue;
      }
    }
    *o++ = c;  // a '%' that is not an escape is kept as is
    ++in;
  }
  return static_cast<size_t>(o - out);
}

std::string UrlDecode(std::string_view text) {
  std::string out(text.size(), '\0');
  out.resize(UrlDecodeTo(text, out.data()));
  return out;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kUnsafe[] = "\r\n #%&+:;<=>?@[\\]^`{|}\"";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > '~' || std::strchr(kUnsafe, c) != nullptr) {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace tarifador::esl
