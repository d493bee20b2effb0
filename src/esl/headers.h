#pragma once
// An ordered list of "Name: value" headers as FreeSWITCH sends them. Names
// compare case-insensitively (as libesl's esl_event_get_header does);
// duplicates are kept in order because real events carry them
// (Hangup-Cause twice in CHANNEL_HANGUP_COMPLETE, ESL-NOTES section 1).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tarifador::esl {

class Headers {
 public:
  void Add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  // Appends text to the value of the last header added; precondition: !empty().
  void AppendToLast(std::string_view text) { items_.back().second.append(text); }
  // The first value under `name`, or nullptr.
  const std::string* Find(std::string_view name) const;
  // The first value under `name`, or "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  bool operator==(const Headers&) const = default;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace tarifador::esl
