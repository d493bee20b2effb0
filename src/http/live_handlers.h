#pragma once
// Live updates and the rest of issue 5's routes (docs/API.md "Live updates",
// "Bulk recharges", "Rate editing", "Settings"): the Server-Sent Events
// stream, bulk recharges from CSV, editing one prefix of a rate plan,
// creating a plan, the effective settings and the status page's disk and
// store figures. Rows in route_table.cpp. Handlers are thread-safe.
//
// Code: the event stream, settings and status in live_handlers.cpp; bulk
// recharges in bulk_recharge_handlers.cpp; rate editing in
// rate_edit_handlers.cpp.
#include <nlohmann/json.hpp>

#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

// GET /api/v1/events (viewer): text/event-stream. First `event: hello` with
// {"server_time"}, then every event the hub publishes (call_start,
// call_answer, call_end, balance, link) with its `id:`, and a `: keepalive`
// comment after EventHub::Options::keepalive of silence. 503 without a hub
// or when too many streams are open.
base::Result<Response> HandleEvents(Services& s, const Request& r);

// POST /api/v1/recharges/bulk (operator), body text/csv
// `extension_or_account,amount[,note]` (header row optional; that header
// spelt exactly, any case). Each target is, in this order: an extension's
// number, an account id (digits), an account name. All rows are checked
// first: any bad row gives 422 {"error","rows":[{"line","error"}]} listing
// every one and nothing changes. Otherwise one store transaction applies
// them all (Repository::ApplyMovements, "ledger.recharge" audit rows plus
// one "ledger.bulk_recharge"): 200 {"applied","total","replayed","rows":
// [{"line","target","account_id","amount","balance_after"}]}. With an
// Idempotency-Key header (1..100 visible characters) every row gets the key
// "<key>/<line>": the same request again replays the same report and moves
// nothing; the key reused for other rows gives 409.
base::Result<Response> HandleBulkRecharge(Services& s, const Request& r);

// GET /api/v1/rate-plans/{name}/rates/{prefix} (viewer): {"plan","prefix",
// "items":[rate...]} — the rates of exactly that prefix (several when they
// differ in priority or validity). 404 for no such plan or prefix.
base::Result<Response> HandleGetPrefixRates(Services& s, const Request& r);

// PUT /api/v1/rate-plans/{name}/rates/{prefix} (admin), body one rate JSON
// as GET /rates lists it ("prefix" optional, must match the path; money as
// decimal strings; absent optional fields take the deck defaults). Checked
// exactly as a rate deck row (rating::ParseRateDeck): 400 listing the
// problems. Replaces every rate of that prefix with this one in one store
// transaction ("rate.put" audit row) and publishes the plan live. 200
// {"plan","prefix","items":[rate],"replaced":n}. 404 when the plan does not
// exist (create it with POST /api/v1/rate-plans).
base::Result<Response> HandlePutPrefixRate(Services& s, const Request& r);

// DELETE /api/v1/rate-plans/{name}/rates/{prefix} (admin): removes that
// prefix's rates ("rate.delete" audit row) and publishes the plan live. 200
// {"plan","prefix","deleted":n}; 404 when there are none.
base::Result<Response> HandleDeletePrefixRates(Services& s, const Request& r);

// POST /api/v1/rate-plans (admin) {"name","decimals"?,"rounding"?}: creates
// an empty plan (defaults 4, "up"; "rate_plan.settings" audit row) and
// publishes it. 201 {"name","decimals","rounding","rates":0}; 409 when a plan
// of that name exists; 400 on a bad body.
base::Result<Response> HandleCreateRatePlan(Services& s, const Request& r);

// GET /api/v1/settings (admin): {"settings": {key: {"value","source"}}} with
// secrets shown as "***". 503 when app has not wired it.
base::Result<Response> HandleSettings(Services& s, const Request& r);

// The "disk" {"path","free_bytes","total_bytes"} and "store" {"path",
// "size_bytes","wal_bytes"} members of GET /api/v1/status, added to `status`
// (left out when unknown: no LiveServices, or statvfs failed).
void AddDiskAndStoreStatus(const Services& s, nlohmann::json& status);

}  // namespace tarifador::http
