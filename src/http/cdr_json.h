#pragma once
// JSON for CDRs (docs/API.md "CDRs and reports"). Field names are external:
// add, never rename. Money as decimal strings ("12.3400"), times ISO 8601 UTC
// with "Z" (billing_json.h's conventions). Never fails or throws. http/
// internal.
#include <nlohmann/json.hpp>

#include "billing/cdr.h"

namespace tarifador::http {

// {"uuid","linked_uuids","site_id","direction","caller","caller_name",
//  "account_id" (null when none),"destination","normalised_number","zone",
//  "prefix","rate_plan","price_per_minute","connection_fee","start_time",
//  "answer_time","bridge_time","end_time" (null when it did not happen),
//  "duration","billsec","billusec","billable_seconds","cost","charged",
//  "hangup_cause","disposition","deny_reason","gateway"}.
nlohmann::json CdrJson(const billing::Cdr& cdr);

// How the cost came about: {"connection_fee","price_per_minute","billsec",
// "billable_seconds","usage" (price_per_minute * billable_seconds / 60,
// truncated to micro-units when not exact),"cost","charged","uncollected"
// (cost - charged),"explanation" (one English sentence)}.
nlohmann::json CdrBreakdownJson(const billing::Cdr& cdr);

}  // namespace tarifador::http
