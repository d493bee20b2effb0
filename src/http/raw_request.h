#pragma once
// One HTTP request as the server received it, before routing: what the
// request view (http/request.h) reads. Filled by the server from
// libmicrohttpd's connection values, so nothing else in http/ sees the
// library.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tarifador::http {

struct RawRequest {
  std::string method;                                        // as sent, e.g. "GET"
  std::string path;                                          // percent-decoded, without the query string
  std::string body;                                          // empty until the whole body has arrived
  std::string remote_addr;                                   // the peer's IP address as text (no port)
  bool tls = false;                                          // it came over HTTPS
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order, names as sent
  std::vector<std::pair<std::string, std::string>> query;    // decoded; a bare "k" has value ""

  // The first value of a header, the name compared case-insensitively.
  const std::string* Header(std::string_view name) const;
  // The first value of a query parameter, or null.
  const std::string* Query(std::string_view name) const;
};

}  // namespace tarifador::http
