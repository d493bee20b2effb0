#pragma once
// Billing over HTTP (SPEC sections 3, 4, 7 and 10): accounts, recharges, the
// ledger, extensions, authorization for the dialplan and live calls. Rows in
// route_table.cpp; contracts and examples in docs/API.md ("Billing").
//
// Common to every handler here: 503 while Services::billing is null; bodies
// are JSON objects whose every field is checked, all problems reported in
// one 400 (unknown fields included) and nothing changed; money is a decimal
// string in and out; every change is written with its audit row in one store
// transaction (the repository does it: account.create, extension.create,
// extension.put, ledger.recharge), the caller ("user:NAME" or "token:NAME")
// as actor. Handlers are thread-safe (the repository and authorizer are).
//
// Code: accounts, recharges and the ledger in billing_handlers.cpp;
// extensions in billing_extension_handlers.cpp; authorize and active calls
// in billing_call_handlers.cpp.
#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

// POST /api/v1/accounts {"name","type","credit_limit"?,"monthly_budget"?}
// (admin): 201 with the account JSON (billing_json.h) and a Location header.
// 400 on a bad body (a prepaid account with a credit limit included), 409
// when the name is taken.
base::Result<Response> HandleCreateAccount(Services& s, const Request& r);
// PATCH /api/v1/accounts/{id} {"name"?,"credit_limit"?,"monthly_budget"? (null:
// none),"budget_mode"?,"budget_warn_percent"?}: admin; audited.
base::Result<Response> HandleUpdateAccount(Services& s, const Request& r);

// GET /api/v1/accounts?limit=&cursor= (viewer): {"items":[account...],
// "next_cursor"} ordered by id; limit 1..1000 (default 100); next_cursor is
// null on the last page.
base::Result<Response> HandleListAccounts(Services& s, const Request& r);

// GET /api/v1/accounts/{id} (viewer): the account JSON. 400 for an id that
// is not a positive whole number, 404 when there is no such account.
base::Result<Response> HandleGetAccount(Services& s, const Request& r);

// POST /api/v1/accounts/{id}/recharges {"amount","note"?} with an optional
// Idempotency-Key header (operator): credits the account. 201
// {"entry": ledger row, "account": account, "replayed": false}; a key seen
// before for the same recharge gives 200 with the first row and
// "replayed": true and moves nothing; a key used for a different movement
// gives 409. 400 on a bad body or key, 404 for a missing account.
base::Result<Response> HandleRecharge(Services& s, const Request& r);

// POST /api/v1/accounts/{id}/ledger/{entry}/reverse {"note"?} (operator):
// takes a recharge back with an adjustment of the opposite amount ("reversal
// of recharge #N"), once: a second reversal of the row replays the first
// (200, "replayed": true). 201 {"entry","account","replayed":false}; 400 for
// a row that is not a recharge, 404 for no such row of the account, 409 when
// the money is no longer there (spent or held by live calls).
base::Result<Response> HandleReverseRecharge(Services& s, const Request& r);

// GET /api/v1/accounts/{id}/ledger?limit=&cursor=&order= (viewer):
// {"account_id","items":[ledger row...],"next_cursor"}, oldest first, or
// newest first with order=newest (the cursor then pages towards older
// rows). 400 for another order, 404 for a missing account.
base::Result<Response> HandleListLedger(Services& s, const Request& r);

// POST /api/v1/extensions {"number","name","account_id","rate_plan"?,
// "enabled"?} (admin): 201 with the extension JSON. 409 when the number
// exists; 400 on a bad body, including an account_id with no account and a
// rate_plan that is not loaded.
base::Result<Response> HandleCreateExtension(Services& s, const Request& r);

// GET /api/v1/extensions?limit=&cursor= (viewer): {"items":[extension...],
// "next_cursor"} ordered by number (byte order).
base::Result<Response> HandleListExtensions(Services& s, const Request& r);

// GET /api/v1/extensions/{number} (viewer): the extension JSON; 400 for a
// malformed number, 404 when there is none.
base::Result<Response> HandleGetExtension(Services& s, const Request& r);

// PUT /api/v1/extensions/{number} {"number"?,"name","account_id",
// "rate_plan"?,"enabled"?} (admin): replaces the extension (absent optional
// fields take their defaults: the default plan, enabled). 200 with the
// extension JSON; 404 when it does not exist (create it with POST); 400 as
// for POST, or when the body's number differs from the path's.
base::Result<Response> HandlePutExtension(Services& s, const Request& r);
// PUT /api/v1/extensions/{number}/guards (admin): the extension's own guard
// settings, replaced whole (docs/BILLING.md "Per-extension guards"); an
// absent or null field takes the box-wide guard, 0 turns it off.
base::Result<Response> HandlePutExtensionGuards(Services& s, const Request& r);

// GET /api/v1/authorize?caller=EXT&destination=NUM (viewer; the dialplan):
// the Authorizer's decision now, as AuthorizationJson. A denial is a 200
// with "allowed": false. 400 when a parameter is missing, empty or too long
// (caller 32, destination 64 characters); 503 when the store cannot be read
// (the dialplan then applies billing.when_down).
base::Result<Response> HandleAuthorize(Services& s, const Request& r);

// GET /api/v1/calls/active (viewer): {"items":[ActiveCallJson...],"count"}
// from the billing thread's snapshot, oldest call first.
base::Result<Response> HandleActiveCalls(Services& s, const Request& r);

}  // namespace tarifador::http
