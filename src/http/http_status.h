#pragma once
// The one place where a base::StatusCode becomes an HTTP status (STYLE.md
// habit 1), and the one error body shape, {"error": "..."} (SPEC section 10).
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/request.h"

namespace tarifador::http {

// kOk 200, kInvalidArgument 400, kUnauthenticated 401, kPermissionDenied 403,
// kNotFound 404, kAlreadyExists 409, kFailedPrecondition 409,
// kResourceExhausted 429 (too many requests), kUnavailable 503, kInternal 500.
// 413 (body too large) is produced by the server's body limit before any
// handler runs, so no handler Status needs to mean it.
int HttpStatusFor(base::StatusCode code);

// {"error": message} as JSON text, correctly escaped.
std::string ErrorBody(std::string_view message);

// The Response for a failed Status: HttpStatusFor(code) and ErrorBody(message).
// An Internal status's message (which may name files and SQL) is logged and
// replaced by a generic one; every other message is shown to the client.
// Precondition: !status.ok().
Response ErrorResponse(const base::Status& status);

}  // namespace tarifador::http
