#pragma once
// PrefixTrie: longest-prefix match of a normalised number against a plan's
// rates, honouring effective dates and priorities (SPEC section 2).
//
// Layout, chosen for memory (a router has 128 MB) and cache behaviour: all
// nodes live in one vector; a node holds a 10-bit mask of the digits that
// have a child and the index of its first child, and the children of a node
// are stored next to each other in digit order, so child `d` is at
// first_child + popcount(mask & ((1 << d) - 1)). A node is 12 bytes. The top
// levels are stored breadth-first in one compact block, every deeper subtree
// depth-first and contiguous, so a lookup touches few cache lines. Rates are
// stored once, sorted by (prefix, priority descending, effective_from
// descending); a node refers to the contiguous range of rates whose prefix
// ends at it. No pointers, so the structure is a few large allocations.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "rating/rate.h"

namespace tarifador::rating {

class PrefixTrie {
 public:
  struct Match {
    const Rate* rate = nullptr;  // points into the trie; valid while it lives
    uint32_t prefix_length = 0;  // digits of the number the prefix covered
  };

  // An empty trie: Find() matches nothing.
  PrefixTrie() = default;
  PrefixTrie(PrefixTrie&&) noexcept = default;
  PrefixTrie& operator=(PrefixTrie&&) noexcept = default;
  PrefixTrie(const PrefixTrie&) = delete;
  PrefixTrie& operator=(const PrefixTrie&) = delete;

  // Builds the trie, taking ownership of `rates`. Each rate must pass
  // ValidateRate(). Fails with InvalidArgument when one does not (naming its
  // prefix) or when more than 65535 rates share one prefix.
  static base::Result<PrefixTrie> Build(std::vector<Rate> rates);

  // The rate for a call to `digits` starting at `at`: among the rates
  // effective at `at` (effective_from <= at < effective_to), the one with the
  // longest prefix of `digits`; on the same prefix the highest priority, then
  // the latest effective_from. Blocked rates are returned like any other.
  // nullopt when nothing matches. Matching stops at the first non-digit.
  // Never allocates or locks; safe to call from any number of threads while
  // nobody mutates the trie (it is immutable once built).
  std::optional<Match> Find(std::string_view digits, base::Instant at) const;

  // Rates in trie order (by prefix, priority descending, effective_from descending).
  std::span<const Rate> rates() const { return rates_; }
  size_t rate_count() const { return rates_.size(); }
  size_t node_count() const { return nodes_.size(); }
  // Bytes held by the node array (the index proper), from its capacity.
  size_t IndexBytes() const;
  // Bytes held by the rate array plus the strings' heap blocks that are not
  // stored inline (short-string optimisation).
  size_t RateBytes() const;

 private:
  struct Node {
    uint32_t first_child = 0;  // index of the child for the lowest digit in child_mask
    uint32_t first_rate = 0;   // index into rates_
    uint16_t child_mask = 0;   // bit d (0..9): digit d has a child; plus kFirstRateOpen
    uint16_t rate_count = 0;   // rates whose prefix ends here
  };
  // Set in child_mask when the node's preferred rate is effective from the
  // epoch on with no end (the usual case): Find() then answers without
  // reading the rate, which is most of a lookup's cache misses.
  static constexpr uint16_t kFirstRateOpen = 1u << 15;
  static_assert(sizeof(Node) == 12);

  // The node for rates_[lo, hi), whose prefixes share their first `depth` digits.
  struct Span {
    uint32_t node;
    size_t lo;
    size_t hi;
    size_t depth;
  };
  void Layout();
  void BuildDepthFirst(const Span& span);
  size_t CountChildren(const Span& span) const;
  // Fills the node, allocates its children block; returns the children's spans.
  int Expand(const Span& span, Span children[10]);

  std::vector<Node> nodes_;
  std::vector<Rate> rates_;
  // Nodes from here on are laid out depth-first, one contiguous block per subtree.
  uint32_t dfs_begin_ = 0;
};

}  // namespace tarifador::rating
