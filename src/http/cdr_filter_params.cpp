#include "http/cdr_filter_params.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "base/local_time.h"
#include "billing/cdr.h"
#include "http/billing_fields.h"

namespace tarifador::http {
namespace {

std::string Named(const std::string& name) { return std::string("query parameter \"").append(name).append("\""); }

base::Status Bad(const std::string& name, const std::string& why) {
  return base::InvalidArgument(Named(name).append(": ").append(why));
}

bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

base::Result<std::optional<base::Instant>> LocalDateOrInstantParam(const Request& request, const std::string& name) {
  const std::optional<std::string> text = request.Query(name);
  if (!text) return std::optional<base::Instant>();
  if (text->empty() || text->size() > 40) {
    return Bad(name, Shown(*text) + " is not a date (YYYY-MM-DD) or an ISO 8601 instant");
  }
  base::Result<base::Instant> t = base::ParseLocalDateOrInstant(*text);
  if (!t.ok()) return Bad(name, t.status().message());
  return std::optional<base::Instant>(*t);
}

base::Result<store::CdrFilter> CdrFilterParams(const Request& r) {
  store::CdrFilter f;
  base::Result<std::optional<base::Instant>> from = LocalDateOrInstantParam(r, "from");
  if (!from.ok()) return from.status();
  f.from = *from;
  base::Result<std::optional<base::Instant>> to = LocalDateOrInstantParam(r, "to");
  if (!to.ok()) return to.status();
  f.to = *to;
  if (f.from && f.to && *f.to <= *f.from) return Bad("to", "must be after \"from\" (it is exclusive)");

  if (std::optional<std::string> ext = r.Query("extension")) {
    if (std::optional<std::string> problem = ExtensionNumberProblem(*ext)) return Bad("extension", *problem);
    f.extension = *ext;
  }
  if (std::optional<std::string> id = r.Query("account_id")) {
    int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(id->data(), id->data() + id->size(), v);
    if (!AllDigits(*id) || ec != std::errc() || ptr != id->data() + id->size() || v < 1) {
      return Bad("account_id", Shown(*id) + " is not a positive whole number");
    }
    f.account_id = billing::AccountId{v};
  }
  if (std::optional<std::string> d = r.Query("direction")) {
    base::Result<billing::Direction> dir = billing::ParseDirection(d->substr(0, 40));
    if (!dir.ok()) return Bad("direction", dir.status().message());
    f.direction = *dir;
  }
  if (std::optional<std::string> z = r.Query("zone")) {
    const bool printable =
        std::all_of(z->begin(), z->end(), [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7F; });
    if (z->empty() || z->size() > 64 || !printable) {
      return Bad("zone", Shown(*z) + " must be 1 to 64 characters without control characters");
    }
    f.zone = *z;
  }
  if (std::optional<std::string> p = r.Query("prefix")) {
    if (!AllDigits(*p) || p->size() > 32) return Bad("prefix", Shown(*p) + " must be 1 to 32 digits");
    f.prefix = *p;
  }
  if (std::optional<std::string> d = r.Query("disposition")) {
    base::Result<billing::Disposition> disp = billing::ParseDisposition(d->substr(0, 40));
    if (!disp.ok()) return Bad("disposition", disp.status().message());
    f.disposition = *disp;
  }
  if (std::optional<std::string> m = r.Query("min_cost")) {
    base::Result<base::Money> cost = ParseApiMoney(*m, Named("min_cost"), /*positive=*/false);
    if (!cost.ok()) return cost.status();
    f.min_cost = *cost;
  }
  return f;
}

}  // namespace tarifador::http
