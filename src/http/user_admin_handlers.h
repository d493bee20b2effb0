#pragma once
// Managing users after they exist (docs/API.md "Users", docs/SECURITY.md
// "Users, sessions and tokens"): disable/enable and role, an admin's password
// reset, one's own password change, listing and ending sessions.
#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

// PATCH /api/v1/users/{name} {"disabled"?: bool, "role"?: string} (admin).
base::Result<Response> HandleUpdateUser(Services& s, const Request& r);
// POST /api/v1/users/{name}/password {"password"} (admin): ends their sessions.
base::Result<Response> HandleResetPassword(Services& s, const Request& r);
// POST /api/v1/session/password {"current_password", "new_password"} (any
// logged-in user): ends their other sessions.
base::Result<Response> HandleChangeOwnPassword(Services& s, const Request& r);
// GET /api/v1/sessions[?user=NAME] (admin).
base::Result<Response> HandleListSessions(Services& s, const Request& r);
// DELETE /api/v1/sessions/{id} (admin).
base::Result<Response> HandleEndSession(Services& s, const Request& r);

}  // namespace tarifador::http
