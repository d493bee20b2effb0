#pragma once
// Login sessions, first-run setup, users, API tokens and the audit log.
// Rows in route_table.cpp; contracts in docs/API.md. Every change is audited
// in the same transaction as the change (store/user_store.h).
#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

// POST /api/v1/session {"username","password"}: throttled login; sets the
// session cookie, returns {"username","role","csrf_token","expires_at"}.
base::Result<Response> HandleLogin(Services& s, const Request& r);
// DELETE /api/v1/session: ends the caller's session and clears the cookie.
base::Result<Response> HandleLogout(Services& s, const Request& r);
// GET /api/v1/session: who the caller is.
base::Result<Response> HandleWhoAmI(Services& s, const Request& r);

// GET /api/v1/setup: {"setup_required": true} until an admin exists.
base::Result<Response> HandleSetupStatus(Services& s, const Request& r);
// POST /api/v1/setup {"username","password"}: creates the first admin, only
// while no admin exists; 409 afterwards.
base::Result<Response> HandleSetup(Services& s, const Request& r);

// GET/POST /api/v1/users (admin).
base::Result<Response> HandleListUsers(Services& s, const Request& r);
base::Result<Response> HandleAddUser(Services& s, const Request& r);

// GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{name} (admin).
base::Result<Response> HandleListTokens(Services& s, const Request& r);
base::Result<Response> HandleCreateToken(Services& s, const Request& r);
base::Result<Response> HandleRevokeToken(Services& s, const Request& r);

// GET /api/v1/audit?limit=N&action=A (admin): newest entries first.
base::Result<Response> HandleListAudit(Services& s, const Request& r);

}  // namespace tarifador::http
