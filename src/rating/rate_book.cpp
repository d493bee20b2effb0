#include "rating/rate_book.h"

namespace tarifador::rating {

base::Result<std::shared_ptr<const CompiledPlan>> CompiledPlan::Compile(RatePlan plan) {
  const std::string context = "compiling plan \"" + plan.name + "\"";
  base::Status name_ok = ValidatePlanName(plan.name);
  if (!name_ok.ok()) return name_ok.WithContext(context);
  if (plan.decimals < 0 || plan.decimals > kMaxDecimals) {
    return base::InvalidArgument(context + ": decimals " + std::to_string(plan.decimals) + " is not between 0 and " +
                                 std::to_string(kMaxDecimals));
  }
  auto trie = PrefixTrie::Build(std::move(plan.rates));
  if (!trie.ok()) return trie.status().WithContext(context);
  auto compiled = std::make_shared<CompiledPlan>();
  compiled->name = std::move(plan.name);
  compiled->decimals = plan.decimals;
  compiled->rounding = plan.rounding;
  compiled->trie = std::move(*trie);
  return std::shared_ptr<const CompiledPlan>(std::move(compiled));
}

base::Result<std::shared_ptr<const RateBook>> RateBook::Build(std::vector<RatePlan> plans) {
  auto book = std::make_shared<RateBook>();
  for (RatePlan& plan : plans) {
    if (book->plans_.count(plan.name) != 0) {
      return base::InvalidArgument("rate plan \"" + plan.name + "\" appears twice");
    }
    auto compiled = CompiledPlan::Compile(std::move(plan));
    if (!compiled.ok()) return compiled.status();
    const std::string name = (*compiled)->name;
    book->plans_.emplace(name, std::move(*compiled));
  }
  return std::shared_ptr<const RateBook>(std::move(book));
}

std::shared_ptr<const RateBook> RateBook::WithPlan(std::shared_ptr<const CompiledPlan> plan) const {
  auto book = std::make_shared<RateBook>(*this);
  if (plan) {
    const std::string name = plan->name;
    book->plans_[name] = std::move(plan);
  }
  return book;
}

const CompiledPlan* RateBook::Find(std::string_view name) const {
  auto it = plans_.find(name);
  return it == plans_.end() ? nullptr : it->second.get();
}

std::vector<std::string> RateBook::PlanNames() const {
  std::vector<std::string> names;
  names.reserve(plans_.size());
  for (const auto& [name, plan] : plans_) names.push_back(name);
  return names;
}

RateBookHolder::RateBookHolder() : current_(std::make_shared<const RateBook>()) {}

std::shared_ptr<const RateBook> RateBookHolder::Current() const { return current_.load(std::memory_order_acquire); }

void RateBookHolder::Publish(std::shared_ptr<const RateBook> book) {
  if (book) current_.store(std::move(book), std::memory_order_release);
}

void RateBookHolder::ReplacePlan(std::shared_ptr<const CompiledPlan> plan) {
  if (!plan) return;
  std::shared_ptr<const RateBook> expected = current_.load(std::memory_order_acquire);
  // Copy-on-write with compare-exchange: a concurrent replacement of another
  // plan makes us retry on top of it instead of dropping it.
  for (;;) {
    std::shared_ptr<const RateBook> next = expected->WithPlan(plan);
    if (current_.compare_exchange_weak(expected, std::move(next), std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
      return;
    }
  }
}

}  // namespace tarifador::rating
