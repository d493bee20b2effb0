#include "billing/authorizer.h"

#include <utility>

#include "billing/call_control.h"

namespace tarifador::billing {
namespace {

// True when a call of `billsec` costs at most `available`. A cost too large
// for Money is, a fortiori, more than any balance.
bool Affordable(const rating::Rate& rate, int decimals, rating::RoundingMode rounding, base::Money available,
                int64_t billsec) {
  auto cost = rating::ComputeCost(rate, rating::CallOutcome::kAnswered, billsec, decimals, rounding);
  return cost.ok() && cost->cost <= available;
}

}  // namespace

const char* AuthorizationReasonName(AuthorizationReason reason) {
  switch (reason) {
    case AuthorizationReason::kAllowed: return "ok";
    case AuthorizationReason::kInternal: return "internal";
    case AuthorizationReason::kUnknownExtension: return "unknown_extension";
    case AuthorizationReason::kExtensionDisabled: return "extension_disabled";
    case AuthorizationReason::kUnknownAccount: return "unknown_account";
    case AuthorizationReason::kNoRatePlan: return "no_rate_plan";
    case AuthorizationReason::kInvalidNumber: return "invalid_number";
    case AuthorizationReason::kNoRate: return "no_rate";
    case AuthorizationReason::kDestinationBlocked: return "destination_blocked";
    case AuthorizationReason::kInsufficientFunds: return "insufficient_funds";
    case AuthorizationReason::kBudgetExhausted: return "budget_exhausted";
    case AuthorizationReason::kGuardBlockedPrefix: return "guard_blocked_prefix";
    case AuthorizationReason::kGuardPricePerMinute: return "guard_price_per_minute";
    case AuthorizationReason::kGuardAfterHours: return "guard_after_hours";
    case AuthorizationReason::kPinZoneNotAllowed: return "pin_zone_not_allowed";
    case AuthorizationReason::kGuardCallCost: return "guard_call_cost";
    case AuthorizationReason::kGuardConcurrentCalls: return "guard_concurrent_calls";
    case AuthorizationReason::kGuardCallsPerHour: return "guard_calls_per_hour";
    case AuthorizationReason::kGuardRepeatedNumber: return "guard_repeated_number";
    case AuthorizationReason::kGuardDailySpend: return "guard_daily_spend";
    case AuthorizationReason::kGuardBlockedZone: return "guard_blocked_zone";
  }
  return "unknown_extension";
}

AuthorizationReason LimitReason(MoneyLimit limit) {
  switch (limit) {
    case MoneyLimit::kBudget: return AuthorizationReason::kBudgetExhausted;
    case MoneyLimit::kDailyLimit: return AuthorizationReason::kGuardDailySpend;
    case MoneyLimit::kMoney: break;
  }
  return AuthorizationReason::kInsufficientFunds;
}

bool IsGuardReason(std::string_view reason_name) { return reason_name.rfind("guard_", 0) == 0; }

std::string_view HangupCauseFor(AuthorizationReason reason) {
  switch (reason) {
    case AuthorizationReason::kNoRatePlan:
    case AuthorizationReason::kInvalidNumber:
    case AuthorizationReason::kNoRate: return kCauseNoRoute;
    case AuthorizationReason::kInsufficientFunds:
    case AuthorizationReason::kBudgetExhausted:
    case AuthorizationReason::kGuardDailySpend: return kCauseNoFunds;
    default: return kCauseBarred;
  }
}

base::Result<rating::CostBreakdown> CostOfCall(const RatedDestination& rated, int64_t billsec) {
  const auto outcome = billsec > 0 ? rating::CallOutcome::kAnswered : rating::CallOutcome::kUnanswered;
  return rating::ComputeCost(rated.rate, outcome, billsec, rated.decimals, rated.rounding);
}

std::optional<int64_t> MaxAffordableSeconds(const rating::Rate& rate, int decimals, rating::RoundingMode rounding,
                                            base::Money available, int64_t cap_s) {
  // Calls of at most `grace` seconds are free (SPEC 2), so the first second
  // that costs anything is grace + 1.
  const int64_t first = int64_t{rate.grace_s} + 1;
  if (cap_s < first) return cap_s;
  if (!Affordable(rate, decimals, rounding, available, first)) return std::nullopt;
  // Invariant: Affordable(lo) and, unless hi == cap_s, !Affordable(hi + 1).
  int64_t lo = first;
  int64_t hi = cap_s;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (Affordable(rate, decimals, rounding, available, mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

Authorizer::Authorizer(Repository& repository, const rating::RateBookHolder& rates, rating::NumberNormaliser normaliser,
                       Options options)
    : repository_(repository), rates_(rates), normaliser_(std::move(normaliser)), options_(std::move(options)) {}

base::Result<Authorization> Authorizer::Authorize(std::string_view caller, std::string_view destination,
                                                  base::Instant at, const CallId* own_call, const PinGrant* pin) const {
  Authorization a;
  const auto deny = [&a](AuthorizationReason reason) -> base::Result<Authorization> {
    a.allowed = false;
    a.reason = reason;
    a.max_seconds = 0;
    return a;
  };

  auto extension = repository_.GetExtension(caller);
  if (!extension.ok()) {
    if (extension.status().code() == base::StatusCode::kNotFound) return deny(AuthorizationReason::kUnknownExtension);
    return extension.status();
  }
  a.extension = *extension;

  // An extension-to-extension call costs nothing (SPEC 4) and needs no money.
  auto callee = repository_.GetExtension(destination);
  if (callee.ok()) {
    a.allowed = true;
    a.reason = AuthorizationReason::kInternal;
    a.direction = Direction::kInternal;
    a.max_seconds = options_.max_call_seconds;
    return a;
  }
  if (callee.status().code() != base::StatusCode::kNotFound) return callee.status();

  if (!extension->enabled && pin == nullptr) return deny(AuthorizationReason::kExtensionDisabled);

  auto account = repository_.GetAccount(pin != nullptr ? pin->account_id : extension->account_id);
  if (!account.ok()) {
    if (account.status().code() == base::StatusCode::kNotFound) return deny(AuthorizationReason::kUnknownAccount);
    return account.status();
  }
  a.account = *account;
  a.available = CallableMoney(*account, at, options_.spend);
  a.bound = BindingLimit(*account, at, options_.spend);
  base::Money own_held;
  if (own_call != nullptr && !own_call->empty()) {
    base::Result<Reservation> held = repository_.GetReservation(*own_call);
    if (held.ok() && held->account_id == account->id) {
      own_held = held->amount;
      a.available = a.available + held->amount;
    } else if (!held.ok() && held.status().code() != base::StatusCode::kNotFound) {
      return held.status();
    }
  }

  RateLookup lookup = Rate(extension->rate_plan, destination, at);
  a.rated = std::move(lookup.rated);
  if (lookup.reason != AuthorizationReason::kAllowed) return deny(lookup.reason);
  if (pin != nullptr && !PinAllowsZone(*pin, a.rated->rate.zone)) return deny(AuthorizationReason::kPinZoneNotAllowed);
  // A guard that trips refuses the call, or, in alert-only mode, flags it.
  const auto refuses = [&](AuthorizationReason rule) {
    if (!options_.AlertOnly(rule)) return true;
    if (a.flagged.empty()) a.flagged = AuthorizationReasonName(rule);
    return false;
  };
  const std::string& digits = a.rated->number.digits;
  for (const std::string& prefix : options_.blocked_prefixes) {
    if (digits.rfind(prefix, 0) == 0 && refuses(AuthorizationReason::kGuardBlockedPrefix)) {
      return deny(AuthorizationReason::kGuardBlockedPrefix);
    }
  }
  if (options_.blocked_zones.count(a.rated->rate.zone) > 0 && refuses(AuthorizationReason::kGuardBlockedZone)) {
    return deny(AuthorizationReason::kGuardBlockedZone);
  }
  // The phone's own guard settings replace the box's (a PIN call's too: the
  // guards watch the phone).
  const ExtensionGuards& own = extension->guards;
  const std::optional<base::Money> price_limit = GuardLimit(own.max_price_per_minute, options_.max_price_per_minute);
  if (price_limit && a.rated->rate.price_per_minute > *price_limit &&
      refuses(AuthorizationReason::kGuardPricePerMinute)) {
    return deny(AuthorizationReason::kGuardPricePerMinute);
  }
  const bool abroad = a.rated->number.kind == rating::NumberKind::kInternational &&
                      (options_.home_country_code.empty() || digits.rfind(options_.home_country_code, 0) != 0);
  if (options_.international_hours && !own.international_any_time && abroad &&
      !OfficeOpen(*options_.international_hours, at) && refuses(AuthorizationReason::kGuardAfterHours)) {
    return deny(AuthorizationReason::kGuardAfterHours);
  }

  const auto affordable = [&](base::Money money) {
    return MaxAffordableSeconds(a.rated->rate, a.rated->decimals, a.rated->rounding, money, options_.max_call_seconds);
  };
  std::optional<int64_t> max_seconds = affordable(a.available);
  if (!max_seconds) return deny(LimitReason(a.bound));
  // An alert-only daily cap limits nothing; the call it would have refused
  // is flagged.
  if (options_.spend.daily_alert_only && a.flagged.empty()) {
    const std::optional<base::Money> day_left = DayLeft(*account, at, options_.spend);
    if (day_left && !affordable(*day_left + own_held))
      a.flagged = AuthorizationReasonName(AuthorizationReason::kGuardDailySpend);
  }
  // The cost of one call: a cap on the money it may use. In alert-only
  // mode the cap stays off; the CDR is flagged when the call cost more.
  const std::optional<base::Money> cost_limit = GuardLimit(own.max_call_cost, options_.max_call_cost);
  if (cost_limit && *cost_limit < a.available && !options_.AlertOnly(AuthorizationReason::kGuardCallCost)) {
    const std::optional<int64_t> capped = affordable(*cost_limit);
    if (!capped) return deny(AuthorizationReason::kGuardCallCost);
    a.cost_capped = *capped < *max_seconds;
    max_seconds = std::min(*max_seconds, *capped);
  }
  a.allowed = true;
  a.reason = AuthorizationReason::kAllowed;
  a.max_seconds = *max_seconds;
  return a;
}

Authorizer::RateLookup Authorizer::Rate(const std::optional<std::string>& plan, std::string_view destination,
                                        base::Instant at) const {
  RateLookup out;
  // One snapshot for the whole lookup: a concurrent import cannot mix plans.
  const std::shared_ptr<const rating::RateBook> book = rates_.Current();
  const rating::CompiledPlan* compiled = book->Find(plan.value_or(options_.default_plan));
  if (compiled == nullptr) {
    out.reason = AuthorizationReason::kNoRatePlan;
    return out;
  }
  auto number = normaliser_.Normalise(destination);
  if (!number.ok()) {
    out.reason = AuthorizationReason::kInvalidNumber;
    return out;
  }
  const auto match = compiled->trie.Find(number->digits, at);
  if (!match) {
    out.reason = AuthorizationReason::kNoRate;
    return out;
  }
  // A copy of the rate: the call is billed with the rate it was authorized
  // with, even if the plan is re-imported while it runs.
  out.rated =
      RatedDestination{compiled->name, compiled->decimals, compiled->rounding, std::move(*number), *match->rate};
  out.reason = match->rate->blocked ? AuthorizationReason::kDestinationBlocked : AuthorizationReason::kAllowed;
  return out;
}

}  // namespace tarifador::billing
