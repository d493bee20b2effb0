#include "rating/prefix_trie.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>

namespace tarifador::rating {
namespace {

// Number of set bits of a 9-bit value (the digits below d in a child mask).
// A table, because the baseline x86-64 and most router CPUs have no POPCNT
// instruction and the software fallback costs more than an L1 load.
constexpr std::array<uint8_t, 512> kRank = [] {
  std::array<uint8_t, 512> t{};
  for (unsigned v = 0; v < t.size(); ++v) t[v] = static_cast<uint8_t>(std::popcount(v));
  return t;
}();

size_t HeapBytes(const std::string& s) {
  // libstdc++ keeps up to 15 characters inline; longer ones own a heap block.
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

}  // namespace

base::Result<PrefixTrie> PrefixTrie::Build(std::vector<Rate> rates) {
  if (rates.size() >= std::numeric_limits<uint32_t>::max()) {
    return base::InvalidArgument("too many rates for one plan (" + std::to_string(rates.size()) + ")");
  }
  for (const Rate& r : rates) {
    base::Status s = ValidateRate(r);
    if (!s.ok()) return s.WithContext("rate for prefix \"" + r.prefix.digits() + "\"");
  }
  // SPEC 2 order of preference on one prefix: higher priority, then later
  // effective_from. Find() takes the first effective rate in this order.
  std::sort(rates.begin(), rates.end(), [](const Rate& a, const Rate& b) {
    if (a.prefix != b.prefix) return a.prefix.digits() < b.prefix.digits();
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.effective_from > b.effective_from;
  });
  // Count nodes exactly so the node vector is allocated once: each distinct
  // prefix adds the nodes below its common part with the previous one.
  size_t nodes = 1;
  for (size_t i = 0; i < rates.size(); ++i) {
    const std::string& cur = rates[i].prefix.digits();
    size_t common = 0;
    size_t same = 1;
    if (i > 0) {
      const std::string& prev = rates[i - 1].prefix.digits();
      while (common < prev.size() && common < cur.size() && prev[common] == cur[common]) ++common;
      if (prev == cur) same = 0;
    }
    if (same == 0) continue;
    nodes += cur.size() - common;
  }
  if (nodes >= std::numeric_limits<uint32_t>::max()) return base::InvalidArgument("rate plan is too large");
  // Runs of one prefix are contiguous after the sort; check the per-node limit.
  for (size_t i = 0, run = 0; i < rates.size(); ++i) {
    run = (i > 0 && rates[i].prefix == rates[i - 1].prefix) ? run + 1 : 1;
    if (run > std::numeric_limits<uint16_t>::max()) {
      return base::InvalidArgument("more than 65535 rates for prefix \"" + rates[i].prefix.digits() + "\"");
    }
  }
  PrefixTrie trie;
  trie.rates_ = std::move(rates);
  trie.rates_.shrink_to_fit();
  trie.nodes_.reserve(nodes);
  trie.nodes_.emplace_back();
  trie.Layout();
  return trie;
}

// Node order, for cache behaviour: the top levels are laid out breadth-first
// in one compact block (a lookup's first few steps stay in L1/L2), and below
// them each subtree is depth-first and contiguous (a lookup's last steps fall
// in a few neighbouring cache lines instead of anywhere in the array).
void PrefixTrie::Layout() {
  // About 200 KB of nodes: stays cache-resident under a busy PBX.
  constexpr size_t kTopNodes = 16 * 1024;
  std::vector<Span> level = {Span{0, 0, rates_.size(), 0}};
  size_t top = 1;
  while (!level.empty()) {
    size_t next_count = 0;
    for (const Span& s : level) next_count += CountChildren(s);
    if (next_count == 0 || top + next_count > kTopNodes) break;
    std::vector<Span> next;
    next.reserve(next_count);
    Span children[10];
    for (const Span& s : level) {
      const int n = Expand(s, children);
      next.insert(next.end(), children, children + n);
    }
    top += next.size();
    level = std::move(next);
  }
  dfs_begin_ = static_cast<uint32_t>(nodes_.size());
  for (const Span& s : level) BuildDepthFirst(s);
}

void PrefixTrie::BuildDepthFirst(const Span& span) {
  Span children[10];
  const int n = Expand(span, children);
  for (int g = 0; g < n; ++g) BuildDepthFirst(children[g]);
}

size_t PrefixTrie::CountChildren(const Span& span) const {
  size_t i = span.lo;
  while (i < span.hi && rates_[i].prefix.size() == span.depth) ++i;
  size_t count = 0;
  while (i < span.hi) {
    const char digit = rates_[i].prefix.digits()[span.depth];
    while (i < span.hi && rates_[i].prefix.digits()[span.depth] == digit) ++i;
    ++count;
  }
  return count;
}

// rates_[lo, hi) all share their first `depth` digits, which spell the node.
int PrefixTrie::Expand(const Span& span, Span children[10]) {
  const uint32_t node = span.node;
  size_t i = span.lo;
  while (i < span.hi && rates_[i].prefix.size() == span.depth) ++i;  // shorter sorts first
  nodes_[node].first_rate = static_cast<uint32_t>(span.lo);
  nodes_[node].rate_count = static_cast<uint16_t>(i - span.lo);
  if (i > span.lo && rates_[span.lo].effective_from <= base::Instant() && !rates_[span.lo].effective_to) {
    nodes_[node].child_mask = kFirstRateOpen;
  }
  // Group the rest by their digit at `depth`; the sort makes groups contiguous.
  int count = 0;
  uint16_t mask = 0;
  const auto first_child = static_cast<uint32_t>(nodes_.size());
  while (i < span.hi) {
    const char digit = rates_[i].prefix.digits()[span.depth];
    size_t j = i + 1;
    while (j < span.hi && rates_[j].prefix.digits()[span.depth] == digit) ++j;
    mask = static_cast<uint16_t>(mask | (1u << (digit - '0')));
    children[count] = Span{first_child + static_cast<uint32_t>(count), i, j, span.depth + 1};
    ++count;
    i = j;
  }
  if (count == 0) return 0;
  nodes_[node].child_mask = static_cast<uint16_t>(nodes_[node].child_mask | mask);
  nodes_[node].first_child = first_child;
  nodes_.resize(nodes_.size() + static_cast<size_t>(count));  // capacity reserved: no reallocation
  return count;
}

std::optional<PrefixTrie::Match> PrefixTrie::Find(std::string_view digits, base::Instant at) const {
  if (nodes_.empty()) return std::nullopt;
  // Walk down once, remembering the nodes that carry rates; then try them
  // from the longest prefix back, so a prefix whose rates are all out of
  // their effective window falls back to the next shorter one.
  uint32_t with_rates[Prefix::kMaxDigits];
  uint32_t lengths[Prefix::kMaxDigits];
  size_t hits = 0;
  const size_t limit = std::min(digits.size(), Prefix::kMaxDigits);
  const Node* nodes = nodes_.data();
  uint32_t node = 0;
  bool prefetched = false;
  for (size_t i = 0; i < limit; ++i) {
    const auto d = static_cast<unsigned>(static_cast<unsigned char>(digits[i]) - '0');
    if (d > 9) break;
    const unsigned mask = nodes[node].child_mask;
    if (((mask >> d) & 1u) == 0) break;
    const uint32_t first_child = nodes[node].first_child;
    if (first_child >= dfs_begin_ && !prefetched) {
      // Entering a depth-first subtree, which is contiguous and holds every
      // node the rest of this walk can visit: ask for its next cache lines
      // now so the remaining levels do not each wait for memory in turn.
      // Integer addresses: the lines may lie past the array's end, where
      // pointer arithmetic would be undefined; a prefetch never faults.
      const auto subtree = reinterpret_cast<uintptr_t>(nodes + first_child);
      __builtin_prefetch(reinterpret_cast<const void*>(subtree + 64));
      __builtin_prefetch(reinterpret_cast<const void*>(subtree + 128));
      __builtin_prefetch(reinterpret_cast<const void*>(subtree + 192));
      prefetched = true;
    }
    node = first_child + kRank[mask & ((1u << d) - 1u)];
    // Recorded unconditionally and kept only when the node has rates: whether
    // it does is unpredictable, and a mispredicted branch costs more than the
    // two stores.
    with_rates[hits] = node;
    lengths[hits] = static_cast<uint32_t>(i + 1);
    hits += nodes[node].rate_count != 0 ? 1 : 0;
  }
  while (hits > 0) {
    --hits;
    const Node& n = nodes[with_rates[hits]];
    const Rate* r = rates_.data() + n.first_rate;
    if ((n.child_mask & kFirstRateOpen) != 0 && at >= base::Instant()) return Match{r, lengths[hits]};
    for (const Rate* end = r + n.rate_count; r != end; ++r) {
      if (r->EffectiveAt(at)) return Match{r, lengths[hits]};
    }
  }
  return std::nullopt;
}

size_t PrefixTrie::IndexBytes() const { return nodes_.capacity() * sizeof(Node); }

size_t PrefixTrie::RateBytes() const {
  size_t bytes = rates_.capacity() * sizeof(Rate);
  for (const Rate& r : rates_) bytes += HeapBytes(r.prefix.digits()) + HeapBytes(r.zone);
  return bytes;
}

}  // namespace tarifador::rating
