#pragma once
// HMAC-SHA256 (RFC 2104) through libsodium: the signature of outgoing
// webhooks (docs/ALERTS.md "Webhooks").
#include <string>
#include <string_view>

namespace tarifador::base {

// Lower-case hex of HMAC-SHA256(key, message); any key length. Thread-safe.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

}  // namespace tarifador::base
