#pragma once
// An ordered list of "Name: value" headers as FreeSWITCH sends them. Names
// compare case-insensitively (as libesl's esl_event_get_header does);
// duplicates are kept in order because real events carry them
// (Hangup-Cause twice in CHANNEL_HANGUP_COMPLETE, ESL-NOTES section 1).
//
// Representation: one text buffer holds every name and value, and an index
// holds (offset, size) of each. The parser (frame_parser.cpp) copies a whole
// header block into the buffer at once and points the index at the names and
// values where they already lie, URL-decoding values in place, so a decoded
// event of 80-200 headers costs two allocations instead of two per header
// (docs/PERFORMANCE.md, "ESL frame parsing"). Views returned by Find, Get and
// items() point into that buffer: they stay valid until the Headers is
// modified, assigned to, moved from or destroyed.
//
// Not thread-safe for writes; concurrent const access is fine.
#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tarifador::esl {

class Headers {
 public:
  using Item = std::pair<std::string_view, std::string_view>;  // name, value
  class Iterator;
  class Range;

  // Appends a header (the texts are copied).
  void Add(std::string_view name, std::string_view value);
  // Appends text to the value of the last header added; precondition: !empty().
  void AppendToLast(std::string_view text);

  // The first value under `name`, or std::nullopt.
  std::optional<std::string_view> Find(std::string_view name) const;
  // The first value under `name`, or "" when absent.
  std::string_view Get(std::string_view name) const { return Find(name).value_or(std::string_view()); }
  bool Has(std::string_view name) const { return Find(name).has_value(); }
  // Every header in order, as (name, value) views:
  //   for (const auto& [name, value] : headers.items()) ...
  Range items() const;
  size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }
  // Same names (case-sensitively) and values in the same order.
  bool operator==(const Headers& other) const;

 private:
  // text_ also holds bytes no header uses: the ':', spaces and newlines of a
  // parsed block, and what a value lost to URL decoding. Nothing after the
  // last value is in use, so AppendToLast grows it in place.
  struct Entry {
    size_t name_offset;
    size_t name_size;
    size_t value_offset;
    size_t value_size;
  };
  static Item ItemAt(const char* text, const Entry& e) {
    return {std::string_view(text + e.name_offset, e.name_size), std::string_view(text + e.value_offset, e.value_size)};
  }

  // The header-line parser (frame_parser.cpp) fills text_ and index_
  // directly: no per-header copies.
  friend class HeaderLineParser;

  std::string text_;
  std::vector<Entry> index_;
};

// A forward iterator yielding Headers::Item by value.
class Headers::Iterator {
 public:
  using iterator_concept = std::forward_iterator_tag;
  using iterator_category = std::input_iterator_tag;  // operator* returns a value
  using value_type = Item;
  using difference_type = std::ptrdiff_t;
  using reference = Item;

  Iterator() = default;
  Item operator*() const { return ItemAt(text_, *entry_); }
  Iterator& operator++() {
    ++entry_;
    return *this;
  }
  Iterator operator++(int) {
    Iterator before = *this;
    ++entry_;
    return before;
  }
  bool operator==(const Iterator& other) const { return entry_ == other.entry_; }

 private:
  friend class Headers;
  Iterator(const char* text, const Entry* entry) : text_(text), entry_(entry) {}
  const char* text_ = nullptr;
  const Entry* entry_ = nullptr;
};

class Headers::Range {
 public:
  Iterator begin() const { return begin_; }
  Iterator end() const { return end_; }
  size_t size() const { return static_cast<size_t>(end_.entry_ - begin_.entry_); }

 private:
  friend class Headers;
  Range(Iterator b, Iterator e) : begin_(b), end_(e) {}
  Iterator begin_;
  Iterator end_;
};

inline Headers::Range Headers::items() const {
  const Entry* first = index_.data();
  return Range(Iterator(text_.data(), first), Iterator(text_.data(), first + index_.size()));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace tarifador::esl
