#include "http/billing_json.h"

#include <algorithm>
#include <cstdint>

#include "billing/cdr.h"

namespace tarifador::http {
namespace {

nlohmann::json Time(base::Instant t) { return base::FormatIso8601(t); }

// Whole seconds from `from_us` to `now`, never negative (a snapshot taken a
// moment before a clock step must not show -1).
int64_t SecondsSince(int64_t from_us, base::Instant now) {
  return std::max<int64_t>(0, now.micros() - from_us) / 1'000'000;
}

}  // namespace

nlohmann::json BudgetJson(const billing::Account& a, base::Instant now) {
  if (!a.monthly_budget) return nullptr;
  const billing::BudgetMonth month = billing::BudgetMonthOf(now);
  const base::Money spent = billing::MonthSpent(a, month);
  const base::Money used = spent + a.reserved;
  const base::Money budget = *a.monthly_budget;
  // Whole percent, rounded down, without floating point; a zero budget is
  // reached at once.
  int64_t percent = 100;
  if (budget > base::Money()) {
    const int64_t u = std::max<int64_t>(used.micros(), 0);
    const int64_t b = budget.micros();
    // q * 100 + r * 100 / b, where r < b keeps r * 100 in range for any
    // budget up to 92 233 720 368 units; beyond that, by hundredths of it.
    // Capped at 1 000 000 past ten thousand times the budget.
    if (u / b >= 10'000) {
      percent = 1'000'000;
    } else {
      percent = b <= INT64_MAX / 100 ? (u / b) * 100 + (u % b) * 100 / b : u / (b / 100);
    }
  }
  const char* state = used >= budget ? "reached" : percent >= a.budget_warn_percent ? "warning" : "ok";
  return {{"month", billing::BudgetMonthName(month)},
          {"budget", budget.ToString()},
          {"spent", spent.ToString()},
          {"reserved", a.reserved.ToString()},
          {"left", (budget - used).ToString()},
          {"used_percent", percent},
          {"state", state}};
}

nlohmann::json DailyJson(const billing::Account& a, base::Instant now, const billing::SpendPolicy& policy) {
  const std::optional<base::Money> limit = billing::DailyLimit(a, policy);
  if (!limit) return nullptr;
  const billing::SpendDay day = billing::SpendDayOf(now);
  const base::Money spent = billing::DaySpent(a, day);
  return {{"day", billing::SpendDayName(day)},           {"limit", limit->ToString()},
          {"source", a.daily_limit ? "account" : "box"}, {"spent", spent.ToString()},
          {"reserved", a.reserved.ToString()},           {"left", billing::DayLeft(a, now, policy)->ToString()},
          {"alert_only", policy.daily_alert_only}};
}

nlohmann::json AccountJson(const billing::Account& a, base::Instant now, const billing::SpendPolicy& policy) {
  return {{"id", a.id.value},
          {"name", a.name},
          {"type", billing::AccountTypeName(a.type)},
          {"credit_limit", a.credit_limit.ToString()},
          {"monthly_budget", a.monthly_budget ? nlohmann::json(a.monthly_budget->ToString()) : nlohmann::json()},
          {"budget_mode", billing::BudgetModeName(a.budget_mode)},
          {"budget_warn_percent", a.budget_warn_percent},
          {"low_balance", a.low_balance ? nlohmann::json(a.low_balance->ToString()) : nlohmann::json()},
          {"balance", a.balance.ToString()},
          {"reserved", a.reserved.ToString()},
          {"available", billing::AvailableMoney(a).ToString()},
          {"callable", billing::CallableMoney(a, now, policy).ToString()},
          {"budget", BudgetJson(a, now)},
          {"daily_limit", a.daily_limit ? nlohmann::json(a.daily_limit->ToString()) : nlohmann::json()},
          {"daily", DailyJson(a, now, policy)},
          {"created_at", Time(a.created_at)},
          {"updated_at", Time(a.updated_at)}};
}

nlohmann::json ExtensionGuardsJson(const billing::ExtensionGuards& g) {
  const auto money = [](const std::optional<base::Money>& m) { return m ? nlohmann::json(m->ToString()) : nullptr; };
  const auto count = [](const std::optional<int64_t>& n) { return n ? nlohmann::json(*n) : nullptr; };
  return {
      {"max_price_per_minute", money(g.max_price_per_minute)}, {"max_call_cost", money(g.max_call_cost)},
      {"max_concurrent_calls", count(g.max_concurrent_calls)}, {"max_calls_per_hour", count(g.max_calls_per_hour)},
      {"max_repeats_per_hour", count(g.max_repeats_per_hour)}, {"international_any_time", g.international_any_time}};
}

nlohmann::json ExtensionJson(const billing::Extension& x) {
  return {{"number", x.number},
          {"name", x.name},
          {"account_id", x.account_id.value},
          {"rate_plan", x.rate_plan ? nlohmann::json(*x.rate_plan) : nlohmann::json()},
          {"enabled", x.enabled},
          {"guards", ExtensionGuardsJson(x.guards)}};
}

nlohmann::json LedgerEntryJson(const billing::LedgerEntry& e) {
  return {{"id", e.id},
          {"account_id", e.account_id.value},
          {"kind", billing::LedgerKindName(e.kind)},
          {"amount", e.amount.ToString()},
          {"balance_after", e.balance_after.ToString()},
          {"actor", e.actor},
          {"reason", e.reason},
          {"at", Time(e.at)},
          {"call_uuid", e.call ? nlohmann::json(e.call->value) : nlohmann::json()},
          {"idempotency_key", e.idempotency_key ? nlohmann::json(*e.idempotency_key) : nlohmann::json()}};
}

nlohmann::json AuthorizationJson(const billing::Authorization& d) {
  nlohmann::json account_id;
  if (d.account) {
    account_id = d.account->id.value;
  } else if (d.extension) {
    account_id = d.extension->account_id.value;
  }
  return {{"allowed", d.allowed},
          {"max_seconds", d.max_seconds},
          {"reason", d.reason_name()},
          {"zone", d.rated ? d.rated->rate.zone : std::string()},
          {"prefix", d.rated ? d.rated->rate.prefix.digits() : std::string()},
          {"direction", billing::DirectionName(d.direction)},
          {"account_id", account_id},
          {"available", d.account ? nlohmann::json(d.available.ToString()) : nlohmann::json()}};
}

nlohmann::json ActiveCallJson(const billing::CallTracker::ActiveCall& c, base::Instant now) {
  const bool connected = c.connected_us != 0;
  const int64_t billsec = connected ? SecondsSince(c.connected_us, now) : 0;
  // What the call has cost so far, as it would be billed if it ended now.
  base::Money running_cost;
  if (c.rated && !c.rated->rate.blocked) {
    if (auto cost = billing::CostOfCall(*c.rated, billsec); cost.ok()) running_cost = cost->cost;
  }
  return {{"uuid", c.call.value},
          {"zone", c.rated ? nlohmann::json(c.rated->rate.zone) : nlohmann::json()},
          {"prefix", c.rated ? nlohmann::json(c.rated->rate.prefix.digits()) : nlohmann::json()},
          {"price_per_minute", c.rated ? nlohmann::json(c.rated->rate.price_per_minute.ToString()) : nlohmann::json()},
          {"running_cost", running_cost.ToString()},
          {"direction", billing::DirectionName(c.direction)},
          {"caller", c.caller},
          {"destination", c.destination},
          {"account_id", c.account_id ? nlohmann::json(c.account_id->value) : nlohmann::json()},
          {"created_at", Time(base::Instant::FromMicros(c.created_us))},
          {"connected_at", connected ? Time(base::Instant::FromMicros(c.connected_us)) : nlohmann::json()},
          {"elapsed_s", SecondsSince(c.created_us, now)},
          {"billsec_so_far", billsec},
          {"reserved", c.reserved.ToString()},
          {"covered_s", c.covered_s},
          {"max_seconds", c.max_seconds},
          {"cut_off", c.cut_off}};
}

}  // namespace tarifador::http
