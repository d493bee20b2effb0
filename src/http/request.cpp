#include "http/request.h"

#include <strings.h>

#include <cstdlib>

namespace tarifador::http {

std::string Principal::Actor() const { return (kind == Kind::kSession ? "user:" : "token:") + name; }

Request::Request(const RawRequest& raw, std::string_view pattern, std::vector<PathParam> params,
                 std::optional<Principal> principal)
    : raw_(raw), pattern_(pattern), params_(std::move(params)), principal_(std::move(principal)) {}

const std::string& Request::method() const { return raw_.method; }
const std::string& Request::path() const { return raw_.path; }
const std::string& Request::body() const { return raw_.body; }
const std::string& Request::remote_addr() const { return raw_.remote_addr; }
bool Request::secure() const { return raw_.tls; }

const std::string* RawRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return &v;
  }
  return nullptr;
}

const std::string* RawRequest::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

const Principal& Request::caller() const {
  // A handler of a public route asking for its caller is a bug in the table.
  if (!principal_) std::abort();
  return *principal_;
}

std::optional<std::string> Request::Header(const std::string& name) const {
  const std::string* v = raw_.Header(name);
  if (v == nullptr) return std::nullopt;
  return *v;
}

std::optional<std::string> Request::Query(const std::string& name) const {
  const std::string* v = raw_.Query(name);
  if (v == nullptr) return std::nullopt;
  return *v;
}

std::optional<std::string_view> Request::Param(std::string_view name) const {
  for (const PathParam& p : params_) {
    if (p.name == name) return std::string_view(p.value);
  }
  return std::nullopt;
}

Response Response::Json(std::string json, int status) {
  Response r;
  r.status = status;
  r.body = std::move(json);
  return r;
}

Response Response::Text(std::string body, std::string content_type, int status) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

}  // namespace tarifador::http
