// Editing one prefix of a rate plan and creating a plan (live_handlers.h).
// A rate from JSON is turned into a one-row rate deck and parsed by
// rating::ParseRateDeck, so it is checked exactly as an imported row; the
// store write and the publish to the live rate book follow the import's
// steps under RatingServices::import_mu.
#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/strings.h"
#include "base/time.h"
#include "http/billing_fields.h"
#include "http/json_body.h"
#include "http/live_handlers.h"
#include "http/rate_json.h"
#include "rating/prefix.h"
#include "rating/rate_book.h"
#include "rating/rate_deck.h"
#include "rating/rate_plan.h"
#include "store/rate_plan_store.h"

namespace tarifador::http {
namespace {

using base::Quoted;

base::Status Unwired() { return base::Unavailable("rating is not available in this server"); }

struct Target {
  std::string plan;
  std::string prefix;
};

base::Result<Target> PlanAndPrefix(const Request& r) {
  Target t{std::string(r.Param("name").value_or("")), std::string(r.Param("prefix").value_or(""))};
  if (base::Status s = rating::ValidatePlanName(t.plan); !s.ok()) {
    return base::InvalidArgument("rate plan name: " + s.message());
  }
  if (!rating::IsAllDigits(t.prefix) || t.prefix.size() > rating::Prefix::kMaxDigits) {
    return base::InvalidArgument("prefix " + Shown(t.prefix) + " must be 1 to " +
                                 std::to_string(rating::Prefix::kMaxDigits) + " digits");
  }
  return t;
}

std::vector<rating::Rate> RatesOfPrefix(const rating::CompiledPlan& plan, const std::string& prefix) {
  std::vector<rating::Rate> out;
  for (const rating::Rate& rate : plan.trie.rates()) {
    if (rate.prefix.digits() == prefix) out.push_back(rate);
  }
  return out;
}

// One CSV cell, quoted when it needs to be.
std::string Cell(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The rate in `body` (a JSON object) for `prefix`, checked as a deck row.
// InvalidArgument listing every problem.
base::Result<rating::Rate> RateFromJson(const nlohmann::json& body, const std::string& prefix,
                                        const std::string& context) {
  static const std::set<std::string> kMoney = {"price_per_minute", "connection_fee"};
  static const std::set<std::string> kInts = {"initial_increment", "increment", "min_duration", "grace", "priority"};
  static const std::set<std::string> kTimes = {"effective_from", "effective_to"};
  std::vector<std::string> problems;
  std::string header = "prefix";
  std::string row = prefix;
  for (const auto& [key, value] : body.items()) {
    std::string cell;
    if (key == "prefix") {
      if (!value.is_string() || value.get<std::string>() != prefix) {
        problems.push_back("field \"prefix\" must be absent or " + Quoted(prefix) + " (the path's prefix)");
      }
      continue;
    }
    if (value.is_null()) {
      if (key != "effective_to") problems.push_back("field " + Quoted(key) + " must not be null");
      continue;  // absent: the deck default
    }
    if (key == "zone" || kMoney.count(key) || kTimes.count(key)) {
      if (!value.is_string()) {
        problems.push_back("field " + Quoted(key) + " must be a string" +
                           (kMoney.count(key) ? " (money is a decimal string, e.g. \"0.05\")" : ""));
        continue;
      }
      cell = value.get<std::string>();
    } else if (kInts.count(key)) {
      if (!value.is_number_integer()) {
        problems.push_back("field " + Quoted(key) + " must be a whole number");
        continue;
      }
      cell = std::to_string(value.get<int64_t>());
    } else if (key == "blocked") {
      if (!value.is_boolean()) {
        problems.push_back("field \"blocked\" must be true or false");
        continue;
      }
      cell = value.get<bool>() ? "true" : "false";
    } else {
      problems.push_back("unknown field " + Shown(key));
      continue;
    }
    if (cell.find_first_of("\r\n") != std::string::npos) {
      problems.push_back("field " + Quoted(key) + " must be one line");
      continue;
    }
    header.append(",").append(key);
    row.append(",").append(Cell(cell));
  }
  if (problems.empty()) {
    rating::RateDeck deck = rating::ParseRateDeck(header + "\n" + row + "\n");
    for (const rating::DeckError& e : deck.errors) {
      problems.push_back(e.column.empty() ? e.reason : "field " + Quoted(e.column) + ": " + e.reason);
    }
    if (problems.empty() && deck.rates.size() == 1) return std::move(deck.rates.front());
    if (problems.empty()) problems.push_back("the rate did not parse");
  }
  std::string message = context;
  for (size_t i = 0; i < problems.size(); ++i) message.append(i == 0 ? ": " : "; ").append(problems[i]);
  return base::InvalidArgument(message);
}

// Writes the prefix's new rates and publishes the plan. Caller holds
// import_mu and has checked the plan is loaded.
base::Result<int64_t> WriteAndPublish(Services& s, const Request& r, const rating::CompiledPlan& current,
                                      const Target& t, std::vector<rating::Rate> prefix_rates, const char* action,
                                      const std::string& context) {
  RatingServices& rating = *s.rating;
  rating::RatePlan plan{current.name, current.decimals, current.rounding, {}};
  for (const rating::Rate& rate : current.trie.rates()) {
    if (rate.prefix.digits() != t.prefix) plan.rates.push_back(rate);
  }
  plan.rates.insert(plan.rates.end(), prefix_rates.begin(), prefix_rates.end());
  // Compile first: a plan the trie refuses must not reach the store.
  base::Result<std::shared_ptr<const rating::CompiledPlan>> compiled = rating::CompiledPlan::Compile(std::move(plan));
  if (!compiled.ok()) return compiled.status().WithContext(context);
  const store::ChangeOrigin origin{r.caller().Actor(), s.clock.Now()};
  int64_t removed = 0;
  base::Status written = rating.writer.Run([&](SQLite::Database& db) -> base::Status {
    base::Result<int64_t> n = store::ReplacePrefixRatesIn(db, t.plan, t.prefix, prefix_rates, origin, action);
    if (!n.ok()) return n.status();
    removed = *n;
    return base::Status::Ok();
  });
  if (!written.ok()) return written.WithContext(context);
  rating.book.ReplacePlan(*compiled);
  base::LogInfo("http: " + origin.actor + " " + action + " prefix " + t.prefix + " of plan " + Quoted(t.plan));
  return removed;
}

}  // namespace

base::Result<Response> HandleGetPrefixRates(Services& s, const Request& r) {
  if (!s.rating) return Unwired();
  base::Result<Target> t = PlanAndPrefix(r);
  if (!t.ok()) return t.status();
  const std::shared_ptr<const rating::RateBook> book = s.rating->book.Current();
  const rating::CompiledPlan* plan = book->Find(t->plan);
  if (!plan) return base::NotFound("no rate plan " + Quoted(t->plan));
  nlohmann::json items = nlohmann::json::array();
  for (const rating::Rate& rate : RatesOfPrefix(*plan, t->prefix)) items.push_back(RateToJson(rate));
  if (items.empty()) return base::NotFound("plan " + Quoted(t->plan) + " has no rate for prefix " + t->prefix);
  return Response::Json(Dump({{"plan", t->plan}, {"prefix", t->prefix}, {"items", items}}));
}

base::Result<Response> HandlePutPrefixRate(Services& s, const Request& r) {
  if (!s.rating) return Unwired();
  base::Result<Target> t = PlanAndPrefix(r);
  if (!t.ok()) return t.status();
  const std::string context = "setting prefix " + t->prefix + " of plan " + Quoted(t->plan);
  base::Result<nlohmann::json> body = ParseBody(r, context);
  if (!body.ok()) return body.status();
  base::Result<rating::Rate> rate = RateFromJson(*body, t->prefix, context);
  if (!rate.ok()) return rate.status();
  const std::lock_guard<std::mutex> lock(s.rating->import_mu);
  const std::shared_ptr<const rating::RateBook> book = s.rating->book.Current();
  const rating::CompiledPlan* plan = book->Find(t->plan);
  if (!plan) return base::NotFound("no rate plan " + Quoted(t->plan) + "; create it with POST /api/v1/rate-plans");
  base::Result<int64_t> removed = WriteAndPublish(s, r, *plan, *t, {*rate}, "rate.put", context);
  if (!removed.ok()) return removed.status();
  return Response::Json(Dump({{"plan", t->plan},
                              {"prefix", t->prefix},
                              {"items", nlohmann::json::array({RateToJson(*rate)})},
                              {"replaced", *removed}}));
}

base::Result<Response> HandleDeletePrefixRates(Services& s, const Request& r) {
  if (!s.rating) return Unwired();
  base::Result<Target> t = PlanAndPrefix(r);
  if (!t.ok()) return t.status();
  const std::string context = "deleting prefix " + t->prefix + " of plan " + Quoted(t->plan);
  const std::lock_guard<std::mutex> lock(s.rating->import_mu);
  const std::shared_ptr<const rating::RateBook> book = s.rating->book.Current();
  const rating::CompiledPlan* plan = book->Find(t->plan);
  if (!plan) return base::NotFound("no rate plan " + Quoted(t->plan));
  if (RatesOfPrefix(*plan, t->prefix).empty()) {
    return base::NotFound("plan " + Quoted(t->plan) + " has no rate for prefix " + t->prefix);
  }
  base::Result<int64_t> removed = WriteAndPublish(s, r, *plan, *t, {}, "rate.delete", context);
  if (!removed.ok()) return removed.status();
  return Response::Json(Dump({{"plan", t->plan}, {"prefix", t->prefix}, {"deleted", *removed}}));
}

base::Result<Response> HandleCreateRatePlan(Services& s, const Request& r) {
  if (!s.rating) return Unwired();
  const std::string context = "creating a rate plan";
  base::Result<nlohmann::json> body = ParseBody(r, context);
  if (!body.ok()) return body.status();
  nlohmann::json rest = *body;  // "decimals" is a JSON number, read below
  rest.erase("decimals");
  BodyFields f(rest);
  const std::optional<std::string> name = f.String("name", true, 64, false);
  const std::optional<std::string> rounding_text = f.String("rounding", false, 16, false);
  std::optional<int> decimals;
  if (body->contains("decimals")) {
    const nlohmann::json& d = (*body)["decimals"];
    if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > rating::kMaxDecimals) {
      f.Problem("field \"decimals\" must be a whole number from 0 to " + std::to_string(rating::kMaxDecimals));
    } else {
      decimals = static_cast<int>(d.get<int64_t>());
    }
  }
  std::optional<rating::RoundingMode> rounding;
  if (rounding_text) {
    base::Result<rating::RoundingMode> mode = rating::ParseRoundingMode(*rounding_text);
    if (mode.ok()) {
      rounding = *mode;
    } else {
      f.Problem("field \"rounding\": " + mode.status().message());
    }
  }
  if (name) {
    if (base::Status st = rating::ValidatePlanName(*name); !st.ok()) f.Problem("field \"name\": " + st.message());
  }
  TARIFADOR_RETURN_IF_ERROR(f.Finish(context));

  RatingServices& rating = *s.rating;
  rating::RatePlan plan{
      *name, decimals.value_or(rating::kDefaultDecimals), rounding.value_or(rating::RoundingMode::kUp), {}};
  base::Result<std::shared_ptr<const rating::CompiledPlan>> compiled = rating::CompiledPlan::Compile(plan);
  if (!compiled.ok()) return compiled.status().WithContext(context);
  const std::lock_guard<std::mutex> lock(rating.import_mu);
  const store::ChangeOrigin origin{r.caller().Actor(), s.clock.Now()};
  base::Status written = rating.writer.Run([&](SQLite::Database& db) -> base::Status {
    base::Result<store::RatePlanInfo> existing = store::PlanInfoIn(db, *name);
    if (existing.ok()) return base::AlreadyExists("rate plan " + Quoted(*name) + " already exists");
    if (existing.status().code() != base::StatusCode::kNotFound) return existing.status();
    return store::SetPlanSettingsIn(db, *name, store::PlanSettingsUpdate{plan.decimals, plan.rounding}, origin);
  });
  if (!written.ok()) return written.WithContext(context);
  rating.book.ReplacePlan(*compiled);
  base::LogInfo("http: " + origin.actor + " created rate plan " + Quoted(*name));
  Response out = Response::Json(Dump({{"name", *name},
                                      {"decimals", plan.decimals},
                                      {"rounding", rating::RoundingModeName(plan.rounding)},
                                      {"rates", 0}}),
                                201);
  out.headers.emplace_back("Location", "/api/v1/rate-plans/" + *name + "/rates");
  return out;
}

}  // namespace tarifador::http
