#pragma once
// Identifiers of billing's entities. Distinct types so that an account id can
// never be passed where a call id is expected (or a row id of something else).
#include <compare>
#include <cstdint>
#include <string>

namespace tarifador::billing {

// An account's row id in the store; 0 is "none".
struct AccountId {
  int64_t value = 0;
  auto operator<=>(const AccountId&) const = default;
};

// A call: the Unique-ID of its originating leg (SPEC section 4: the leg
// without an originator). Other legs are linked to it and never billed.
struct CallId {
  std::string value;
  bool empty() const { return value.empty(); }
  auto operator<=>(const CallId&) const = default;
};

}  // namespace tarifador::billing
