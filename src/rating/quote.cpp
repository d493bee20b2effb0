#include "rating/quote.h"

namespace tarifador::rating {

base::Result<Quote> QuoteCall(const CompiledPlan& plan, const NumberNormaliser& normaliser, std::string_view dialled,
                              int64_t seconds, base::Instant at) {
  if (seconds < 0) return base::InvalidArgument("seconds " + std::to_string(seconds) + " is negative");
  auto number = normaliser.Normalise(dialled);
  if (!number.ok()) return number.status();
  auto match = plan.trie.Find(number->digits, at);
  if (!match) {
    return base::NotFound("no rate for " + number->digits + " in plan \"" + plan.name + "\"");
  }
  Quote q;
  q.plan = plan.name;
  q.dialled = std::string(dialled);
  q.number = std::move(*number);
  q.at = at;
  q.rate = *match->rate;
  q.blocked = q.rate.blocked;
  // A blocked call is never connected, so it is quoted as unanswered (0).
  const CallOutcome outcome = q.blocked ? CallOutcome::kUnanswered : CallOutcome::kAnswered;
  auto cost = ComputeCost(q.rate, outcome, seconds, plan.decimals, plan.rounding);
  if (!cost.ok()) return cost.status();
  q.cost = *cost;
  return q;
}

base::Result<Quote> QuoteCall(const RateBook& book, std::string_view plan, const NumberNormaliser& normaliser,
                              std::string_view dialled, int64_t seconds, base::Instant at) {
  const CompiledPlan* compiled = book.Find(plan);
  if (compiled == nullptr) return base::NotFound("no rate plan \"" + std::string(plan) + "\"");
  return QuoteCall(*compiled, normaliser, dialled, seconds, at);
}

}  // namespace tarifador::rating
