// Authorization for the dialplan and the live calls (billing_handlers.h).
#include <algorithm>
#include <string>
#include <vector>

#include "billing/authorizer.h"
#include "billing/call_tracker.h"
#include "http/billing_fields.h"
#include "http/billing_handlers.h"
#include "http/billing_json.h"
#include "http/json_body.h"

namespace tarifador::http {
namespace {

constexpr size_t kMaxCaller = 32;       // an extension number's longest
constexpr size_t kMaxDestination = 64;  // as the quote route: room for separators around 32 digits
constexpr size_t kMaxUuid = 64;         // FreeSWITCH's are 36 characters

base::Result<std::string> RequiredParam(const Request& r, const char* name, size_t max_chars, const char* example) {
  std::optional<std::string> value = r.Query(name);
  if (!value || value->empty()) {
    return base::InvalidArgument(std::string("query parameter \"") + name + "\" is required, e.g. " + example);
  }
  if (value->size() > max_chars) {
    return base::InvalidArgument(std::string("query parameter \"") + name + "\" is longer than " +
                                 std::to_string(max_chars) + " characters");
  }
  return *value;
}

}  // namespace

base::Result<Response> HandleAuthorize(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<std::string> caller = RequiredParam(r, "caller", kMaxCaller, "1001");
  if (!caller.ok()) return caller.status();
  base::Result<std::string> destination = RequiredParam(r, "destination", kMaxDestination, "%2B447700900123");
  if (!destination.ok()) return destination.status();
  // The call's own uuid, when the dialplan passes it: the first interval
  // CHANNEL_CREATE already reserved for this very call is its own money,
  // not spent (without it such a call could be refused for its own hold).
  std::optional<billing::CallId> own;
  if (std::optional<std::string> uuid = r.Query("uuid"); uuid && !uuid->empty()) {
    if (uuid->size() > kMaxUuid) {
      return base::InvalidArgument("query parameter \"uuid\" is longer than " + std::to_string(kMaxUuid) +
                                   " characters");
    }
    own = billing::CallId{*uuid};
  }
  // The same decision CHANNEL_CREATE gets; it reserves nothing. A store that
  // cannot be read fails it (503), so the dialplan's when_down rule decides.
  base::Result<billing::Authorization> decision =
      s.billing->authorizer.Authorize(*caller, *destination, s.clock.Now(), own ? &*own : nullptr);
  if (!decision.ok()) return decision.status();
  return Response::Json(Dump(AuthorizationJson(*decision)));
}

base::Result<Response> HandleActiveCalls(Services& s, const Request&) {
  if (!s.billing || !s.billing->active_calls) return BillingUnavailable();
  base::Result<std::vector<billing::CallTracker::ActiveCall>> listed = s.billing->active_calls();
  if (!listed.ok()) return listed.status();  // 503: the billing thread did not answer
  std::vector<billing::CallTracker::ActiveCall> calls = std::move(*listed);
  // The calls' times are on FreeSWITCH's clock, which may be off the box's:
  // how long they have run is counted on it too.
  int64_t offset_us = 0;
  if (s.billing->link) {
    if (const LinkInfo link = s.billing->link(); link.clock_offset_us) offset_us = *link.clock_offset_us;
  }
  const base::Instant now = base::Instant::FromMicros(s.clock.Now().micros() + offset_us);
  std::sort(calls.begin(), calls.end(), [](const auto& a, const auto& b) {
    return a.created_us != b.created_us ? a.created_us < b.created_us : a.call < b.call;
  });
  nlohmann::json items = nlohmann::json::array();
  for (const billing::CallTracker::ActiveCall& c : calls) items.push_back(ActiveCallJson(c, now));
  return Response::Json(Dump({{"items", items}, {"count", items.size()}}));
}

}  // namespace tarifador::http
