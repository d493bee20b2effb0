#pragma once
// RateBook: every rate plan compiled into a PrefixTrie, immutable, published
// as a std::shared_ptr<const RateBook> snapshot (STYLE.md habit 5). A writer
// builds a new book aside and publishes it in one step through
// RateBookHolder; readers keep using the snapshot they hold until they drop it.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "rating/prefix_trie.h"
#include "rating/rate_plan.h"

namespace tarifador::rating {

// One plan, ready for lookups. Immutable; shared between successive books so
// re-importing one plan does not rebuild the others.
struct CompiledPlan {
  std::string name;
  int decimals = kDefaultDecimals;
  RoundingMode rounding = RoundingMode::kUp;
  PrefixTrie trie;

  // Compiles `plan` (its rates are moved into the trie). Fails with
  // InvalidArgument on a bad name, bad decimals or a rate failing
  // ValidateRate(), with the plan name as context.
  static base::Result<std::shared_ptr<const CompiledPlan>> Compile(RatePlan plan);
};

class RateBook {
 public:
  // An empty book (no plans).
  RateBook() = default;

  // Compiles every plan. Fails like CompiledPlan::Compile, or with
  // InvalidArgument when two plans share a name.
  static base::Result<std::shared_ptr<const RateBook>> Build(std::vector<RatePlan> plans);

  // A new book equal to this one with `plan` added or replacing the plan of
  // the same name. The other plans are shared, not copied.
  std::shared_ptr<const RateBook> WithPlan(std::shared_ptr<const CompiledPlan> plan) const;

  // The plan called `name`, or nullptr. The pointer lives as long as this book.
  const CompiledPlan* Find(std::string_view name) const;

  std::vector<std::string> PlanNames() const;
  size_t plan_count() const { return plans_.size(); }

 private:
  std::map<std::string, std::shared_ptr<const CompiledPlan>, std::less<>> plans_;
};

// The current RateBook, swapped atomically. Readers call Current() once per
// call (or batch) and then match on the snapshot without any
// synchronisation at all; a writer never makes a reader wait for a build
// (building happens before Publish()). Current() is one atomic load of a
// std::atomic<std::shared_ptr>; libstdc++ guards the reference count with an
// internal spin bit held for a few instructions, never across a build.
// Thread-safe: any number of readers and writers.
class RateBookHolder {
 public:
  // Starts with an empty book.
  RateBookHolder();
  RateBookHolder(const RateBookHolder&) = delete;
  RateBookHolder& operator=(const RateBookHolder&) = delete;

  // The latest published book; never null.
  std::shared_ptr<const RateBook> Current() const;
  // Replaces the current book; a null `book` is ignored.
  void Publish(std::shared_ptr<const RateBook> book);
  // Publishes a copy of the current book with `plan` added or replaced.
  // Concurrent ReplacePlan calls do not lose each other's plans.
  void ReplacePlan(std::shared_ptr<const CompiledPlan> plan);

 private:
  std::atomic<std::shared_ptr<const RateBook>> current_;
};

}  // namespace tarifador::rating
