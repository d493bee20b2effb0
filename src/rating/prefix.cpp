#include "rating/prefix.h"

namespace tarifador::rating {

bool IsAllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

base::Result<Prefix> Prefix::Parse(std::string_view text) {
  if (text.empty()) return base::InvalidArgument("prefix is empty");
  if (!IsAllDigits(text)) return base::InvalidArgument("prefix \"" + std::string(text) + "\" is not digits");
  if (text.size() > kMaxDigits) {
    return base::InvalidArgument("prefix \"" + std::string(text) + "\" is longer than " + std::to_string(kMaxDigits) +
                                 " digits");
  }
  return Prefix(std::string(text));
}

}  // namespace tarifador::rating
