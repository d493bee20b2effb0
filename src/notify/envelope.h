#pragma once
// An alert delivery put into words and onto the wire: the e-mail and the
// signed webhook of docs/ALERTS.md "Delivery", in the recipient's language.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/time.h"
#include "notify/transport.h"
#include "store/alert_outbox.h"

namespace tarifador::notify {

// The whole e-mail: From, To, Subject (RFC 2047 UTF-8 when not ASCII), Date,
// Message-ID <tarifador-alert-<delivery id>@<site>>, plain UTF-8 text in
// base64. `from` and `site` come from the settings.
Mail BuildMail(const store::DueDelivery& d, std::string_view from, std::string_view site, base::Instant now);

// The webhook: a JSON body with the event id (the delivery's id: the same on
// every retry), the alert's figures and its text, and the headers
//   X-Tarifador-Event: <event id>
//   X-Tarifador-Timestamp: <unix seconds of this attempt>
//   X-Tarifador-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
WebhookPost BuildWebhook(const store::DueDelivery& d, std::string_view site, base::Instant now);

// The signature of a webhook body at `unix_seconds` with `secret`, as the
// X-Tarifador-Signature header carries it ("v1=..."); receivers compute the
// same to check it.
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);

}  // namespace tarifador::notify
