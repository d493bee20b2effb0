#include "esl/headers.h"

namespace tarifador::esl {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

void Headers::Add(std::string_view name, std::string_view value) {
  const size_t at = text_.size();
  text_.append(name).append(value);
  index_.push_back(Entry{at, name.size(), at + name.size(), value.size()});
}

void Headers::AppendToLast(std::string_view text) {
  // Whatever follows the last value in the buffer is unused: drop it, and the
  // value grows in place.
  Entry& last = index_.back();
  text_.resize(last.value_offset + last.value_size);
  text_.append(text);
  last.value_size += text.size();
}

std::optional<std::string_view> Headers::Find(std::string_view name) const {
  const char* text = text_.data();
  for (const Entry& e : index_) {
    if (e.name_size == name.size() && EqualsIgnoreCase(std::string_view(text + e.name_offset, e.name_size), name)) {
      return std::string_view(text + e.value_offset, e.value_size);
    }
  }
  return std::nullopt;
}

bool Headers::operator==(const Headers& other) const {
  if (index_.size() != other.index_.size()) return false;
  for (size_t i = 0; i < index_.size(); ++i) {
    if (ItemAt(text_.data(), index_[i]) != ItemAt(other.text_.data(), other.index_[i])) return false;
  }
  return true;
}

}  // namespace tarifador::esl
