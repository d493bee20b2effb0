#include "http/cdr_search_handlers.h"

#include <optional>
#include <string>

#include "http/billing_fields.h"
#include "http/cdr_filter_params.h"
#include "http/cdr_json.h"
#include "http/json_body.h"
#include "store/cdr_query.h"

namespace tarifador::http {
namespace {

constexpr int64_t kDefaultLimit = 100;

}  // namespace

base::Result<Response> HandleSearchCdrs(Services& s, const Request& r) {
  if (!s.billing || !s.billing->cdrs) return BillingUnavailable();
  base::Result<store::CdrFilter> filter = CdrFilterParams(r);
  if (!filter.ok()) return filter.status();
  base::Result<int64_t> limit = LimitParam(r, kDefaultLimit, store::CdrQuery::kMaxLimit);
  if (!limit.ok()) return limit.status();
  base::Result<std::optional<std::string>> cursor = CursorParam(r);
  if (!cursor.ok()) return cursor.status();
  base::Result<store::CdrPage> page = s.billing->cdrs->Search(*filter, *limit, *cursor);
  if (!page.ok()) {
    if (page.status().code() == base::StatusCode::kInvalidArgument) {
      return base::InvalidArgument("query parameter \"cursor\": " + page.status().message());
    }
    return page.status();
  }
  nlohmann::json items = nlohmann::json::array();
  for (const billing::Cdr& c : page->items) items.push_back(CdrJson(c));
  return Response::Json(Dump({{"items", std::move(items)},
                              {"next_cursor", page->next_cursor ? nlohmann::json(*page->next_cursor) : nullptr}}));
}

base::Result<Response> HandleGetCdr(Services& s, const Request& r) {
  if (!s.billing || !s.billing->cdrs) return BillingUnavailable();
  const std::string uuid(r.Param("uuid").value_or(""));
  if (uuid.empty() || uuid.size() > 128) return base::InvalidArgument("CDR uuid " + Shown(uuid) + " is not a uuid");
  base::Result<billing::Cdr> cdr = s.billing->cdrs->Get(billing::CallId{uuid});
  if (!cdr.ok()) return cdr.status();
  nlohmann::json out = CdrJson(*cdr);
  out["breakdown"] = CdrBreakdownJson(*cdr);
  return Response::Json(Dump(out));
}

}  // namespace tarifador::http
