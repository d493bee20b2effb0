#pragma once
// How alert deliveries leave the box (docs/ALERTS.md "Delivery"): an e-mail
// or a webhook POST. CurlTransport is the real one; tests also script one.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace tarifador::notify {

struct Mail {
  std::string to;       // one address
  std::string message;  // the whole RFC 5322 message (FormatMail)
};

struct WebhookPost {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // JSON

  // The value of header `name`, "" when absent.
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
};

// Implementations are used from the delivery thread only.
class Transport {
 public:
  virtual ~Transport() = default;
  // OK once the server has accepted the message; otherwise why not.
  virtual base::Status Send(const Mail& mail) = 0;
  // OK on a 2xx answer; otherwise the status code or the transport error.
  virtual base::Status Post(const WebhookPost& post) = 0;
};

}  // namespace tarifador::notify
