#pragma once
// JSON for the billing routes (SPEC sections 3, 4 and 10): accounts,
// extensions, ledger rows, authorization decisions and live calls. Field
// names are external: add, never rename. Money is a decimal string with at
// least 4 decimals ("12.3400", base::Money::ToString), times are ISO 8601 UTC
// with "Z". None of these fail or throw; invalid UTF-8 in a name is replaced
// when the document is dumped (http::Dump).
#include <nlohmann/json.hpp>

#include "base/time.h"
#include "billing/account.h"
#include "billing/authorizer.h"
#include "billing/call_tracker.h"
#include "billing/ledger_entry.h"

namespace tarifador::http {

// {"id","name","type","credit_limit","monthly_budget" (null when none),
//  "budget_mode","budget_warn_percent","balance","reserved","available",
//  "callable","budget","created_at","updated_at"}; "available" is
// billing::AvailableMoney, "callable" billing::CallableMoney at `now` under
// `policy`; "budget" is null without a budget, else BudgetJson;
// "daily_limit" the account's own cap (null: the box-wide one), "daily" null
// without a cap that applies, else DailyJson.
nlohmann::json AccountJson(const billing::Account& account, base::Instant now, const billing::SpendPolicy& policy);
// The daily spend cap at `now`: {"day":"2026-12-08","limit","source":
// "account" | "box","spent","reserved","left","alert_only"}; null without one.
nlohmann::json DailyJson(const billing::Account& account, base::Instant now, const billing::SpendPolicy& policy);
// The monthly budget at `now`: {"month":"2026-12","budget","spent","reserved",
// "left","used_percent" (whole percent of spent + reserved, may pass 100),
// "state": "ok" | "warning" (at budget_warn_percent) | "reached"}.
nlohmann::json BudgetJson(const billing::Account& account, base::Instant now);

// {"number","name","account_id","rate_plan" (null: the default plan),"enabled",
//  "guards": ExtensionGuardsJson}.
nlohmann::json ExtensionJson(const billing::Extension& extension);
// {"max_price_per_minute","max_call_cost" (money or null: box-wide),
//  "max_concurrent_calls","max_calls_per_hour","max_repeats_per_hour" (a
//  count or null), "international_any_time"}.
nlohmann::json ExtensionGuardsJson(const billing::ExtensionGuards& guards);

// {"id","account_id","kind","amount" (signed),"balance_after","actor",
//  "reason","at","call_uuid" (null unless a call's),"idempotency_key" (null
//  when none)}.
nlohmann::json LedgerEntryJson(const billing::LedgerEntry& entry);

// SPEC section 10's {"allowed","max_seconds","reason","zone","prefix"} plus
// "direction", "account_id" and "available" (null when the decision stopped
// before reading the account: unknown or disabled extension, internal call).
// "zone" and "prefix" are "" when no rate matched.
nlohmann::json AuthorizationJson(const billing::Authorization& decision);

// One live call as of `now`: {"uuid","direction","caller","destination",
// "account_id" (null when none),"created_at","connected_at" (null until the
// far end answered),"elapsed_s" (since created),"billsec_so_far" (connected
// whole seconds, 0 before),"reserved","covered_s","max_seconds","cut_off"}.
nlohmann::json ActiveCallJson(const billing::CallTracker::ActiveCall& call, base::Instant now);

}  // namespace tarifador::http
