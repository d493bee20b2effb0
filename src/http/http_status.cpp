#include "http/http_status.h"

#include <nlohmann/json.hpp>

#include "base/log.h"

namespace tarifador::http {

int HttpStatusFor(base::StatusCode code) {
  using base::StatusCode;
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

std::string ErrorBody(std::string_view message) {
  // Invalid UTF-8 in a message (e.g. an echoed user name) is replaced rather
  // than making dump() throw.
  return nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response ErrorResponse(const base::Status& status) {
  if (status.code() == base::StatusCode::kInternal) {
    base::LogError("http: internal error: " + status.message());
    return Response::Json(ErrorBody("internal error; the server log has the details"), 500);
  }
  return Response::Json(ErrorBody(status.message()), HttpStatusFor(status.code()));
}

}  // namespace tarifador::http
