#pragma once
// Rating over HTTP (SPEC sections 2, 7 and 10): quotes, rate plans, their
// rates and CSV deck imports. Rows in route_table.cpp; contracts in
// docs/API.md. Every handler answers 503 while Services::rating is null.
#include "base/status.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "http/request.h"
#include "http/services.h"
#include "rating/rate_book.h"

namespace tarifador::http {

// GET /api/v1/quote?plan=NAME&number=N&seconds=S[&at=ISO8601]: the quote JSON
// of `tarifador quote` (QuoteJson). `plan` defaults to rating.default_plan,
// `at` to now. 400 on a bad or missing parameter, 404 when the plan or a
// matching rate is missing. A blocked destination is a 200 with
// "blocked": true and cost 0.
base::Result<Response> HandleQuote(Services& s, const Request& r);

// GET /api/v1/rate-plans: {"default_plan","items":[{"name","decimals",
// "rounding","rates"}]} from the live rate book, ordered by name.
base::Result<Response> HandleListRatePlans(Services& s, const Request& r);

// GET /api/v1/rate-plans/{name}/rates?prefix=&limit=&cursor=: the plan's rates
// from the live rate book, ordered by prefix, then priority (highest first),
// then effective_from (latest first): {"plan","items":[rate...],
// "next_cursor"}. `prefix` keeps rates whose prefix starts with those
// digits; `limit` 1..1000 (default 100); `cursor` is a previous answer's
// next_cursor (null on the last page). 400 on bad parameters, 404 when the
// plan is not loaded.
base::Result<Response> HandleListRates(Services& s, const Request& r);

// POST /api/v1/rate-plans/{name}/import?decimals=&rounding= with a rate deck
// CSV body (Content-Type text/csv): parses the whole deck (every bad line is
// listed in a 400 {"error","errors":[{"line","column","message"}]} and nothing
// changes), replaces the plan's rates in one store transaction audited as
// "rates.import" with the caller as actor (creating the plan when missing),
// then publishes the plan into the live rate book, so the next quote uses it.
// 200 {"plan","rates","zones","decimals","rounding"}.
base::Result<Response> HandleImportRatePlan(Services& s, const Request& r);

// OK when `book` holds at least one plan (SPEC section 10: /readyz needs the
// rate plans loaded); Unavailable saying how to import one otherwise.
base::Status RatePlansReady(const rating::RateBook& book);

// Registers the "rate_plans" readiness check and the metrics
// tarifador_rate_plans and tarifador_rates (gauges, read from the current
// book at scrape time). `book` must outlive `readiness` and `metrics`' use.
void RegisterRatingProbes(const rating::RateBookHolder& book, Readiness& readiness, MetricsRegistry& metrics);

}  // namespace tarifador::http
