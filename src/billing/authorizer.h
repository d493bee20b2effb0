#pragma once
// Authorizer (SPEC section 4 "Authorization"): may this extension call this
// number now, and for how long can its account pay? Used on CHANNEL_CREATE of
// an originating leg and by `GET /api/v1/authorize`.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/money.h"
#include "base/status.h"
#include "base/time.h"
#include "billing/account.h"
#include "billing/cdr.h"
#include "billing/office_hours.h"
#include "billing/pin_code.h"
#include "billing/repository.h"
#include "rating/cost.h"
#include "rating/number_normaliser.h"
#include "rating/rate.h"
#include "rating/rate_book.h"
#include "rating/rate_plan.h"

namespace tarifador::billing {

// Why a call was allowed or denied; the names are stable API strings.
enum class AuthorizationReason {
  kAllowed,              // "ok"
  kInternal,             // "internal": the destination is an extension; free
  kUnknownExtension,     // "unknown_extension"
  kExtensionDisabled,    // "extension_disabled"
  kUnknownAccount,       // "unknown_account": the extension's account is missing
  kNoRatePlan,           // "no_rate_plan": the extension's plan is not loaded
  kInvalidNumber,        // "invalid_number": the destination has no digits
  kNoRate,               // "no_rate": nothing in the plan matches the destination
  kDestinationBlocked,   // "destination_blocked"
  kInsufficientFunds,    // "insufficient_funds": not even the first billing increment is covered
  kBudgetExhausted,      // "budget_exhausted": the monthly budget (mode block) does not cover it
  kGuardBlockedPrefix,   // "guard_blocked_prefix": the number starts with a prefix the guards refuse
  kGuardPricePerMinute,  // "guard_price_per_minute": the rate costs more a minute than the guards allow
  kGuardAfterHours,      // "guard_after_hours": an international call outside office hours or on a holiday
  kPinZoneNotAllowed,    // "pin_zone_not_allowed": a PIN call to a zone outside its code's class of service
  kGuardCallCost,        // "guard_call_cost": not even the first increment fits under the guards' cost of one call
  // The traffic guards, decided by the call tracker (it knows the live calls):
  kGuardConcurrentCalls,  // "guard_concurrent_calls": the extension has as many calls up as the guards allow
  kGuardCallsPerHour,     // "guard_calls_per_hour": the extension placed as many calls in the last hour as allowed
  kGuardRepeatedNumber,   // "guard_repeated_number": the extension called this number that often in the last hour
  kGuardDailySpend,       // "guard_daily_spend": the account's daily spend cap does not cover the first increment
  kGuardBlockedZone,      // "guard_blocked_zone": the matched rate's zone is one the guards refuse
};

// True for the reasons of the toll-fraud guards ("guard_..."): a denial an
// alert is raised for.
bool IsGuardReason(std::string_view reason_name);

const char* AuthorizationReasonName(AuthorizationReason reason);
// The reason of a call refused or cut at `limit`: budget_exhausted,
// guard_daily_spend, or insufficient_funds for the money itself.
AuthorizationReason LimitReason(MoneyLimit limit);

// The hangup cause a call denied for `reason` is killed with (call_control.h).
std::string_view HangupCauseFor(AuthorizationReason reason);

// The rate a call is billed with, fixed when it is authorized.
struct RatedDestination {
  std::string plan;
  int decimals = rating::kDefaultDecimals;
  rating::RoundingMode rounding = rating::RoundingMode::kUp;
  rating::NormalisedNumber number;
  rating::Rate rate;
};

// The cost of `billsec` answered seconds at `rated` (rating::ComputeCost).
base::Result<rating::CostBreakdown> CostOfCall(const RatedDestination& rated, int64_t billsec);

// The longest billsec whose cost under `rate` is <= `available`, at most
// `cap_s`: the exact answer, found by bisecting the step function of
// rating::ComputeCost itself (cost never decreases with billsec), so it
// honours the connection fee, grace, minimum duration, increments and the
// plan's rounding to the micro-unit, and never allows a second whose cost
// exceeds `available`. nullopt when the first chargeable second (grace + 1)
// already costs more than `available`. A rate that is free up to `cap_s`
// returns `cap_s`. Precondition: ValidateRate(rate) is OK, cap_s >= 1.
std::optional<int64_t> MaxAffordableSeconds(const rating::Rate& rate, int decimals, rating::RoundingMode rounding,
                                            base::Money available, int64_t cap_s);

struct Authorization {
  bool allowed = false;
  AuthorizationReason reason = AuthorizationReason::kUnknownExtension;
  Direction direction = Direction::kOutbound;  // outbound, or internal when the destination is an extension
  int64_t max_seconds = 0;                     // billable seconds the money covers (the cap when internal)
  base::Money available;                       // CallableMoney of the account when checked
  std::optional<Extension> extension;
  std::optional<Account> account;
  std::optional<RatedDestination> rated;  // set once a rate matched (also on some denials: blocked, funds)
  // An alert-only guard this allowed call tripped (its reason name), or "".
  std::string flagged;
  // max_seconds is where the call's cost reaches Options::max_call_cost
  // (less than the money allows): a cut there is the guard's.
  bool cost_capped = false;
  // What limits `available` (MoneyLimit::kMoney: the balance itself).
  MoneyLimit bound = MoneyLimit::kMoney;

  const char* reason_name() const { return AuthorizationReasonName(reason); }
};

class Authorizer {
 public:
  struct Options {
    std::string default_plan = "default";  // rating.default_plan: for extensions without a plan
    // Longest call ever allowed, even on free rates and large credit limits
    // (it becomes the sched_hangup hard stop). A day.
    int64_t max_call_seconds = 86'400;
    // Toll-fraud guards (docs/BILLING.md "Toll-fraud guards"), box-wide;
    // checked after the rate matched, before money.
    std::optional<base::Money> max_price_per_minute;   // nullopt: off
    std::vector<std::string> blocked_prefixes;         // of the normalised number
    std::set<std::string, std::less<>> blocked_zones;  // zone names of the matched rate
    // International calls only while the office is open; nullopt: any time.
    // A number dialled as international to the office's own country
    // (home_country_code, rating.country_code) is not international here.
    std::optional<OfficeHours> international_hours;
    std::string home_country_code;
    // The most one call may cost: the call is cut where its cost reaches
    // it, and refused (guard_call_cost) when its first increment costs more.
    std::optional<base::Money> max_call_cost;
    // Per extension, checked by the call tracker (0: off): outbound calls up
    // at once, outbound calls placed in the last hour, and calls to one
    // number in the last hour.
    int64_t max_concurrent_calls = 0;
    int64_t max_calls_per_hour = 0;
    int64_t max_repeats_per_hour = 0;
    // Guard rules (reason names) that only alert: a call one of them would
    // refuse goes on, flagged (Authorization::flagged, the CDR's
    // deny_reason), and raises the guard_tripped alert.
    std::set<std::string, std::less<>> alert_only;
    // The daily spend cap (guards.max_daily_spend; accounts' own
    // daily_limit): CallableMoney's policy. Its daily_alert_only mirrors
    // guard_daily_spend in alert_only.
    SpendPolicy spend;
    bool AlertOnly(AuthorizationReason rule) const { return alert_only.count(AuthorizationReasonName(rule)) > 0; }
  };

  // Borrows the repository and the rate book holder (they must outlive it);
  // copies the normaliser (immutable).
  Authorizer(Repository& repository, const rating::RateBookHolder& rates, rating::NumberNormaliser normaliser,
             Options options);

  // Decides a call from extension `caller` to `destination` starting at `at`,
  // in this order: unknown caller -> unknown_extension; destination is an
  // extension -> allowed as internal (max_seconds = cap); disabled caller ->
  // extension_disabled; missing account -> unknown_account; plan not loaded
  // -> no_rate_plan; no digits -> invalid_number; no rate -> no_rate;
  // blocked -> destination_blocked; a guard's blocked prefix ->
  // guard_blocked_prefix; a dearer rate than the guard's price ->
  // guard_price_per_minute; an international number (as normalised) while
  // the office is closed -> guard_after_hours (a guard in
  // Options::alert_only flags the call instead and goes on); first
  // chargeable increment under max_call_cost -> guard_call_cost; first
  // chargeable increment not covered by
  // the callable money (CallableMoney at `at`) -> budget_exhausted when the
  // monthly budget is what binds, guard_daily_spend when the daily cap does,
  // else insufficient_funds (an alert-only daily cap flags the call when it
  // would have refused it); else allowed with
  // max_seconds from MaxAffordableSeconds. A denial is a successful Result with
  // allowed = false; the Result fails only when the repository does
  // (Unavailable...). Reserves nothing. Thread-safe when the repository is.
  // `own_call`: the call being checked, when it may already hold a
  // reservation (the dialplan asks after CHANNEL_CREATE reserved its first
  // interval): that money counts as the call's own, not as spent.
  // `pin`: a PIN call (billing/pin_code.h) whose code was checked: the call
  // is the code owner's, so its account pays (and its budget binds), the
  // phone may be disabled (a lobby phone kept for PIN calls), and a zone
  // outside the code's class of service -> pin_zone_not_allowed (after
  // destination_blocked, before the guards).
  base::Result<Authorization> Authorize(std::string_view caller, std::string_view destination, base::Instant at,
                                        const CallId* own_call = nullptr, const PinGrant* pin = nullptr) const;

  // What a call to `destination` at `at` is rated with under `plan` (the
  // default plan when nullopt): reason kAllowed with `rated` set, or
  // kNoRatePlan, kInvalidNumber, kNoRate, or kDestinationBlocked (with
  // `rated` set). Looks at rates only, never at money. Thread-safe.
  struct RateLookup {
    AuthorizationReason reason = AuthorizationReason::kNoRate;
    std::optional<RatedDestination> rated;
  };
  RateLookup Rate(const std::optional<std::string>& plan, std::string_view destination, base::Instant at) const;

  const Options& options() const { return options_; }
  const rating::NumberNormaliser& normaliser() const { return normaliser_; }
  const rating::RateBookHolder& rates() const { return rates_; }

 private:
  Repository& repository_;
  const rating::RateBookHolder& rates_;
  const rating::NumberNormaliser normaliser_;
  const Options options_;
};

}  // namespace tarifador::billing
