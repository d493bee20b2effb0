// Extensions over HTTP (billing_handlers.h).
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "billing/account.h"
#include "http/billing_fields.h"
#include "http/billing_handlers.h"
#include "http/billing_json.h"
#include "http/json_body.h"
#include "rating/rate_plan.h"

namespace tarifador::http {
namespace {

constexpr size_t kMaxExtensionName = 128;  // billing::ValidateExtension's limit
constexpr size_t kMaxNumberField = 64;     // longer is refused before the number rule speaks
constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;

// Reads an extension body. `path_number`: the number from the path (PUT),
// which the body may repeat but not contradict; nullopt for POST, where the
// body must name it. Every problem is reported at once.
base::Result<billing::Extension> ReadExtension(const BillingServices& billing, const nlohmann::json& body,
                                               const std::optional<std::string>& path_number,
                                               const std::string& context) {
  BodyFields f(body);
  std::optional<std::string> number = f.String("number", !path_number, kMaxNumberField, false);
  const std::optional<std::string> name = f.String("name", true, kMaxExtensionName, true);
  const std::optional<int64_t> account_id = f.Id("account_id", true);
  const std::optional<std::string> rate_plan = f.String("rate_plan", false, kMaxNumberField, false);
  const std::optional<bool> enabled = f.Bool("enabled", false);
  if (number) {
    if (const std::optional<std::string> problem = ExtensionNumberProblem(*number)) {
      f.Problem("field \"number\": " + *problem);
    } else if (path_number && *number != *path_number) {
      f.Problem("field \"number\" " + Shown(*number) + " differs from the path's " + Shown(*path_number) +
                " (an extension cannot be renumbered; create the new number with POST)");
    }
  }
  if (rate_plan) {
    const base::Status valid = rating::ValidatePlanName(*rate_plan);
    if (!valid.ok()) {
      f.Problem("field \"rate_plan\": " + valid.message());
    } else if (!billing.authorizer.rates().Current()->Find(*rate_plan)) {
      // Its calls would all be denied with no_rate_plan: refuse it now.
      f.Problem("field \"rate_plan\": rate plan " + Shown(*rate_plan) +
                " is not loaded; import it first (POST /api/v1/rate-plans/" + *rate_plan +
                "/import), or leave rate_plan out for the default plan");
    }
  }
  TARIFADOR_RETURN_IF_ERROR(f.Finish(context));
  billing::Extension x;
  x.number = path_number ? *path_number : *number;
  x.name = *name;
  x.account_id = billing::AccountId{*account_id};
  x.rate_plan = rate_plan;
  x.enabled = enabled.value_or(true);
  TARIFADOR_RETURN_IF_ERROR(billing::ValidateExtension(x).WithContext(context));
  return x;
}

// The repository's NotFound on a write is about the body's account_id (the
// extension itself was checked before): a bad field, so 400.
base::Status AccountFieldError(const base::Status& s, const std::string& context, const billing::Extension& x) {
  if (s.code() != base::StatusCode::kNotFound) return s;
  return base::InvalidArgument(context + ": field \"account_id\": account " + std::to_string(x.account_id.value) +
                               " does not exist");
}

// The "{number}" path parameter, checked like a body's number.
base::Result<std::string> NumberParam(const Request& r) {
  const std::string number(r.Param("number").value_or(""));
  if (const std::optional<std::string> problem = ExtensionNumberProblem(number)) {
    return base::InvalidArgument(*problem);
  }
  return number;
}

}  // namespace

base::Result<Response> HandleCreateExtension(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  const std::string context = "creating an extension";
  base::Result<nlohmann::json> body = ParseBody(r, context);
  if (!body.ok()) return body.status();
  base::Result<billing::Extension> x = ReadExtension(*s.billing, *body, std::nullopt, context);
  if (!x.ok()) return x.status();
  const std::string actor = r.caller().Actor();
  const base::Status created = s.billing->repository.CreateExtension(*x, actor, s.clock.Now());
  if (!created.ok()) return AccountFieldError(created, context, *x);
  base::LogInfo("http: " + actor + " created extension " + x->number);
  Response out = Response::Json(Dump(ExtensionJson(*x)), 201);
  out.headers.emplace_back("Location", "/api/v1/extensions/" + x->number);
  return out;
}

base::Result<Response> HandleListExtensions(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<int64_t> limit = LimitParam(r, kDefaultLimit, kMaxLimit);
  if (!limit.ok()) return limit.status();
  base::Result<std::optional<std::string>> cursor = CursorParam(r);
  if (!cursor.ok()) return cursor.status();
  if (*cursor && ExtensionNumberProblem(**cursor)) {
    return base::InvalidArgument("query parameter \"cursor\" must be a next_cursor this server gave out (got " +
                                 Shown(**cursor) + ")");
  }
  base::Result<std::vector<billing::Extension>> extensions =
      s.billing->repository.ListExtensions(cursor->value_or(""), *limit + 1);
  if (!extensions.ok()) return extensions.status();
  nlohmann::json items = nlohmann::json::array();
  nlohmann::json next_cursor;
  for (const billing::Extension& x : *extensions) {
    if (static_cast<int64_t>(items.size()) == *limit) {
      next_cursor = items.back()["number"];
      break;
    }
    items.push_back(ExtensionJson(x));
  }
  return Response::Json(Dump({{"items", items}, {"next_cursor", next_cursor}}));
}

base::Result<Response> HandleGetExtension(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<std::string> number = NumberParam(r);
  if (!number.ok()) return number.status();
  base::Result<billing::Extension> x = s.billing->repository.GetExtension(*number);
  if (!x.ok()) return x.status();
  return Response::Json(Dump(ExtensionJson(*x)));
}

base::Result<Response> HandlePutExtension(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<std::string> number = NumberParam(r);
  if (!number.ok()) return number.status();
  const std::string context = "replacing extension " + Shown(*number);
  base::Result<nlohmann::json> body = ParseBody(r, context);
  if (!body.ok()) return body.status();
  base::Result<billing::Extension> x = ReadExtension(*s.billing, *body, *number, context);
  if (!x.ok()) return x.status();
  // PUT replaces; it does not create (a typo in the path must not add a
  // phone). Extensions are never deleted, so the check cannot go stale.
  base::Result<billing::Extension> existing = s.billing->repository.GetExtension(*number);
  if (!existing.ok()) {
    if (existing.status().code() != base::StatusCode::kNotFound) return existing.status();
    return base::NotFound(context + ": no extension " + Shown(*number) + "; create it with POST /api/v1/extensions");
  }
  // Its guard settings have their own route: a PUT that renames a phone
  // keeps them.
  x->guards = existing->guards;
  const std::string actor = r.caller().Actor();
  const base::Status saved = s.billing->repository.PutExtension(*x, actor, s.clock.Now());
  if (!saved.ok()) return AccountFieldError(saved, context, *x);
  base::LogInfo("http: " + actor + " replaced extension " + x->number);
  return Response::Json(Dump(ExtensionJson(*x)));
}

base::Result<Response> HandlePutExtensionGuards(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<std::string> number = NumberParam(r);
  if (!number.ok()) return number.status();
  const std::string context = "setting the guards of extension " + Shown(*number);
  base::Result<nlohmann::json> body = ParseBody(r, context);
  if (!body.ok()) return body.status();
  BodyFields f(*body);
  billing::ExtensionGuards g;
  g.max_price_per_minute = f.Money("max_price_per_minute", false, false);
  g.max_call_cost = f.Money("max_call_cost", false, false);
  g.max_concurrent_calls = f.Int("max_concurrent_calls", false, 0, billing::kMaxConcurrentCallsLimit);
  g.max_calls_per_hour = f.Int("max_calls_per_hour", false, 0, billing::kMaxCallsPerHourLimit);
  g.max_repeats_per_hour = f.Int("max_repeats_per_hour", false, 0, billing::kMaxRepeatsPerHourLimit);
  g.international_any_time = f.Bool("international_any_time", false).value_or(false);
  TARIFADOR_RETURN_IF_ERROR(f.Finish(context));
  base::Result<billing::Extension> x = s.billing->repository.GetExtension(*number);
  if (!x.ok()) return x.status();
  x->guards = g;
  const std::string actor = r.caller().Actor();
  TARIFADOR_RETURN_IF_ERROR(s.billing->repository.PutExtension(*x, actor, s.clock.Now()));
  base::LogInfo("http: " + actor + " set the guards of extension " + x->number + ": " +
                billing::DescribeExtensionGuards(g));
  return Response::Json(Dump(ExtensionJson(*x)));
}

}  // namespace tarifador::http
