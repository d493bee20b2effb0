#include "esl/headers.h"

namespace tarifador::esl {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

const std::string* Headers::Find(std::string_view name) const {
  for (const auto& [n, v] : items_) {
    if (EqualsIgnoreCase(n, name)) return &v;
  }
  return nullptr;
}

std::string_view Headers::Get(std::string_view name) const {
  const std::string* v = Find(name);
  return v ? std::string_view(*v) : std::string_view();
}

}  // namespace tarifador::esl
