#include "base/base64.h"

#include <catch2/catch.hpp>
#include <string>

using tarifador::base::DecodeBase64;
using tarifador::base::StatusCode;

namespace {

std::string Ok(std::string_view text) {
  auto r = DecodeBase64(text);
  INFO("input: " << text << " -> " << r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

void Bad(std::string_view text) {
  auto r = DecodeBase64(text);
  INFO("input: " << text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().message().find("base64") != std::string::npos);
}

}  // namespace

TEST_CASE("Base64 decodes the RFC 4648 test vectors", "[base][base64]") {
  CHECK(Ok("") == "");
  CHECK(Ok("Zg==") == "f");
  CHECK(Ok("Zm8=") == "fo");
  CHECK(Ok("Zm9v") == "foo");
  CHECK(Ok("Zm9vYg==") == "foob");
  CHECK(Ok("Zm9vYmE=") == "fooba");
  CHECK(Ok("Zm9vYmFy") == "foobar");
}

TEST_CASE("Base64 uses the standard alphabet with + and /", "[base][base64]") {
  // 0xFB 0xEF 0xFF -> "++//": the two characters the URL-safe alphabet replaces.
  CHECK(Ok("++//") == std::string("\xFB\xEF\xFF"));
  CHECK(Ok("AAEC") == std::string("\x00\x01\x02", 3));
  Bad("--__");  // URL-safe alphabet refused
}

TEST_CASE("Base64 ignores trailing whitespace only", "[base][base64]") {
  CHECK(Ok("Zm9v\n") == "foo");
  CHECK(Ok("Zm8=\r\n") == "fo");
  CHECK(Ok("Zm9v \t\n\n") == "foo");
  CHECK(Ok("\n") == "");
  Bad(" Zm9v");       // leading
  Bad("Zm9v\nZm9v");  // inside
}

TEST_CASE("Base64 refuses bad characters, lengths and padding", "[base][base64]") {
  Bad("Zm8");        // padding missing
  Bad("Zg");         // padding missing
  Bad("Z");          // impossible length
  Bad("Zm9v=");      // padding after a full group
  Bad("Zm9v!Zm9v");  // stops at '!'
  Bad("====");
  Bad("Zh==");  // non-zero unused bits
  Bad("Zm=v");  // '=' inside
  Bad(std::string("Zm9v\0", 5));
}

TEST_CASE("Base64 names the offset where decoding stopped", "[base][base64]") {
  auto r = DecodeBase64("Zm9vYmFy!xyz");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("at byte 8 of 12") != std::string::npos);
}

TEST_CASE("Base64 round-trips every byte value", "[base][base64]") {
  // Encoded here by hand from the standard table, so the test does not use
  // the code under test to build its own expectation.
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string raw;
  for (int i = 0; i < 256; ++i) raw += static_cast<char>(i);
  for (size_t len : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{254}, size_t{255}, size_t{256}}) {
    const std::string in = raw.substr(0, len);
    std::string enc;
    for (size_t i = 0; i < in.size(); i += 3) {
      const auto b0 = static_cast<unsigned char>(in[i]);
      const auto b1 = i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) : 0u;
      const auto b2 = i + 2 < in.size() ? static_cast<unsigned char>(in[i + 2]) : 0u;
      enc += kTable[b0 >> 2];
      enc += kTable[((b0 & 3) << 4) | (b1 >> 4)];
      enc += i + 1 < in.size() ? kTable[((b1 & 15) << 2) | (b2 >> 6)] : '=';
      enc += i + 2 < in.size() ? kTable[b2 & 63] : '=';
    }
    CHECK(Ok(enc) == in);
  }
}
