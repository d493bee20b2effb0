#include "http/rating_handlers.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/strings.h"
#include "base/time.h"
#include "http/json_body.h"
#include "http/rate_json.h"
#include "http/rating_json.h"
#include "rating/number_normaliser.h"
#include "rating/quote.h"
#include "rating/rate_deck.h"
#include "rating/rate_plan.h"
#include "store/rate_plan_store.h"

namespace tarifador::http {
namespace {

using base::Quoted;

// Longest dialled number accepted before normalisation: room for spaces,
// dashes and brackets around NumberNormaliser::kMaxDigits digits, while an
// absurd value is refused without being echoed back in full.
constexpr size_t kMaxDialledChars = 64;
// As `tarifador quote`: up to 9 digits (about 31 years), so no overflow.
constexpr size_t kMaxSecondsDigits = 9;
constexpr int kDefaultRatesLimit = 100;
constexpr int kMaxRatesLimit = 1000;

base::Status Unwired() { return base::Unavailable("rating is not available in this server"); }

// The plan name from a query parameter or the path, checked like the store
// checks it, with the parameter named in the message.
base::Status CheckPlanName(std::string_view name, std::string_view what) {
  base::Status s = rating::ValidatePlanName(name);
  return s.ok() ? s : base::InvalidArgument(std::string(what) + ": " + s.message());
}

base::Result<int64_t> ParseSeconds(const std::optional<std::string>& text) {
  const std::string want = "a whole number of seconds from 0 to 999999999";
  if (!text) return base::InvalidArgument("query parameter \"seconds\" is required: " + want);
  const std::string bad = "query parameter \"seconds\" must be " + want;
  if (text->empty() || text->size() > kMaxSecondsDigits) return base::InvalidArgument(bad);
  int64_t v = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') return base::InvalidArgument(bad);
    v = v * 10 + (c - '0');
  }
  return v;
}

// An integer query parameter within [lo, hi], or `fallback` when absent.
base::Result<int> IntParam(const Request& r, const char* name, int lo, int hi, int fallback) {
  const std::optional<std::string> text = r.Query(name);
  if (!text) return fallback;
  int v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || v < lo || v > hi) {
    return base::InvalidArgument("query parameter " + Quoted(name) + " must be an integer from " + std::to_string(lo) +
                                 " to " + std::to_string(hi));
  }
  return v;
}

// The media type of a Content-Type header, lower-cased, without parameters.
std::string MediaType(const std::optional<std::string>& content_type) {
  std::string out;
  if (!content_type) return out;
  for (char c : *content_type) {
    if (c == ';') break;
    if (c == ' ' || c == '\t') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}
// Rates list cursor: the sort key of the last rate returned,
// "<prefix>.<priority>.<effective_from_us>". The key is unique within a plan
// (the deck refuses duplicates), and a key rather than an offset keeps paging
// stable when the plan is re-imported between two pages.
struct RateKey {
  std::string prefix;
  int64_t priority = 0;
  int64_t from_us = 0;
};

std::string EncodeCursor(const rating::Rate& r) {
  return r.prefix.digits() + "." + std::to_string(r.priority) + "." + std::to_string(r.effective_from.micros());
}

std::optional<RateKey> DecodeCursor(std::string_view text) {
  const size_t a = text.find('.');
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = text.find('.', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  RateKey key;
  key.prefix = std::string(text.substr(0, a));
  if (!rating::IsAllDigits(key.prefix) || key.prefix.size() > rating::Prefix::kMaxDigits) return std::nullopt;
  const auto parse = [](std::string_view s, int64_t& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
  };
  if (!parse(text.substr(a + 1, b - a - 1), key.priority) || !parse(text.substr(b + 1), key.from_us)) {
    return std::nullopt;
  }
  return key;
}

// True when `r` sorts before `k` in PrefixTrie's rate order: prefix
// ascending, priority descending, effective_from descending.
bool RateBeforeKey(const rating::Rate& r, const RateKey& k) {
  if (r.prefix.digits() != k.prefix) return r.prefix.digits() < k.prefix;
  if (r.priority != k.priority) return r.priority > k.priority;
  return r.effective_from.micros() > k.from_us;
}

bool StartsWith(std::string_view s, std::string_view head) { return s.substr(0, head.size()) == head; }

// 400 listing every bad line of a deck (STYLE.md habit 12).
Response DeckErrorsResponse(const rating::RateDeck& deck, std::string_view plan) {
  nlohmann::json errors = nlohmann::json::array();
  for (const rating::DeckError& e : deck.errors) {
    errors.push_back({{"line", e.line},
                      {"column", e.column.empty() ? nlohmann::json() : nlohmann::json(e.column)},
                      {"message", e.reason}});
  }
  const size_t n = deck.errors.size();
  const std::string message = "importing plan " + Quoted(plan) + ": " + std::to_string(n) +
                              (n == 1 ? " error" : " errors") + ", nothing imported";
  return Response::Json(Dump({{"error", message}, {"errors", errors}}), 400);
}

}  // namespace

base::Result<Response> HandleQuote(Services& s, const Request& r) {
  if (!s.rating) return Unwired();
  const RatingServices& rating = *s.rating;
  const std::string plan = r.Query("plan").value_or(rating.default_plan);
  TARIFADOR_RETURN_IF_ERROR(CheckPlanName(plan, "query parameter \"plan\""));
  const std::optional<std::string> number = r.Query("number");
  if (!number || number->empty()) {
    return base::InvalidArgument("query parameter \"number\" is required: the dialled number, e.g. +447700900123");
  }
  if (number->size() > kMaxDialledChars) {
    return base::InvalidArgument("query parameter \"number\" is longer than " + std::to_string(kMaxDialledChars) +
                                 " characters");
  }
  base::Result<int64_t> seconds = ParseSeconds(r.Query("seconds"));
  if (!seconds.ok()) return seconds.status();
  base::Instant at = s.clock.Now();
  if (const std::optional<std::string> text = r.Query("at")) {
    base::Result<base::Instant> parsed = base::ParseIso8601(*text);
    if (!parsed.ok()) return base::InvalidArgument("query parameter \"at\": " + parsed.status().message());
    at = *parsed;
  }
  // One snapshot for the whole quote; an import publishing meanwhile does not
  // disturb it (STYLE.md habit 5).
  const std::shared_ptr<const rating::RateBook> book = rating.book.Current();
  base::Result<rating::Quote> quote = rating::QuoteCall(*book, plan, rating.normaliser, *number, *seconds, at);
  if (!quote.ok()) return quote.status();
  return Response::Json(QuoteJson(*quote));
}

base::Result<Response> HandleListRatePlans(Services& s, const Request&) {
  if (!s.rating) return Unwired();
  const std::shared_ptr<const rating::RateBook> book = s.rating->book.Current();
  nlohmann::json items = nlohmann::json::array();
  for (const std::string& name : book->PlanNames()) {
    const rating::CompiledPlan* plan = book->Find(name);
    if (!plan) continue;
    items.push_back({{"name", plan->name},
                     {"decimals", plan->decimals},
                     {"rounding", rating::RoundingModeName(plan->rounding)},
                     {"rates", plan->trie.rate_count()}});
  }
  return Response::Json(Dump({{"default_plan", s.rating->default_plan}, {"items", items}}));
}

base::Result<Response> HandleListRates(Services& s, const Request& r) {
  if (!s.rating) return Unwired();
  const std::string name(r.Param("name").value_or(""));
  TARIFADOR_RETURN_IF_ERROR(CheckPlanName(name, "rate plan name"));
  const std::string prefix = r.Query("prefix").value_or("");
  if (!prefix.empty() && (!rating::IsAllDigits(prefix) || prefix.size() > rating::Prefix::kMaxDigits)) {
    return base::InvalidArgument("query parameter \"prefix\" must be 1 to " +
                                 std::to_string(rating::Prefix::kMaxDigits) + " digits");
  }
  base::Result<int> limit = IntParam(r, "limit", 1, kMaxRatesLimit, kDefaultRatesLimit);
  if (!limit.ok()) return limit.status();
  std::optional<RateKey> after;
  if (const std::optional<std::string> cursor = r.Query("cursor")) {
    after = DecodeCursor(*cursor);
    if (!after) return base::InvalidArgument("query parameter \"cursor\" is not a next_cursor this server gave out");
  }

  const std::shared_ptr<const rating::RateBook> book = s.rating->book.Current();
  const rating::CompiledPlan* plan = book->Find(name);
  if (!plan) return base::NotFound("no rate plan " + Quoted(name));
  const std::span<const rating::Rate> rates = plan->trie.rates();
  // The rates are sorted by prefix as text, so those starting with `prefix`
  // are one run beginning at its lower bound.
  auto it = std::lower_bound(rates.begin(), rates.end(), prefix,
                             [](const rating::Rate& a, const std::string& p) { return a.prefix.digits() < p; });
  if (after) {
    const auto past = std::partition_point(rates.begin(), rates.end(), [&](const rating::Rate& a) {
      return RateBeforeKey(a, *after) || (a.prefix.digits() == after->prefix && a.priority == after->priority &&
                                          a.effective_from.micros() == after->from_us);
    });
    it = std::max(it, past);
  }
  nlohmann::json items = nlohmann::json::array();
  nlohmann::json next_cursor;  // null: this is the last page
  for (; it != rates.end() && StartsWith(it->prefix.digits(), prefix); ++it) {
    if (items.size() == static_cast<size_t>(*limit)) {
      next_cursor = EncodeCursor(*(it - 1));
      break;
    }
    items.push_back(RateToJson(*it));
  }
  return Response::Json(Dump({{"plan", plan->name}, {"items", items}, {"next_cursor", next_cursor}}));
}

base::Result<Response> HandleImportRatePlan(Services& s, const Request& r) {
  if (!s.rating) return Unwired();
  RatingServices& rating = *s.rating;
  const std::string name(r.Param("name").value_or(""));
  TARIFADOR_RETURN_IF_ERROR(CheckPlanName(name, "rate plan name"));
  const std::string context = "importing plan " + Quoted(name);
  // The body is the CSV itself. Other types are refused: a form-encoded body
  // would also be read as query parameters, and JSON is a mistake.
  const std::string media = MediaType(r.Header("Content-Type"));
  if (media != "text/csv" && media != "text/plain") {
    return base::InvalidArgument(context + ": send the rate deck as the body with Content-Type text/csv (got " +
                                 (media.empty() ? std::string("none") : Quoted(media)) + ")");
  }
  store::PlanSettingsUpdate settings;
  if (r.Query("decimals")) {
    base::Result<int> decimals = IntParam(r, "decimals", 0, rating::kMaxDecimals, rating::kDefaultDecimals);
    if (!decimals.ok()) return decimals.status();
    settings.decimals = *decimals;
  }
  if (const std::optional<std::string> text = r.Query("rounding")) {
    base::Result<rating::RoundingMode> mode = rating::ParseRoundingMode(*text);
    if (!mode.ok()) return base::InvalidArgument("query parameter \"rounding\": " + mode.status().message());
    settings.rounding = *mode;
  }

  rating::RateDeck deck = rating::ParseRateDeck(r.body());
  if (!deck.ok()) return DeckErrorsResponse(deck, name);
  std::set<std::string> zones;
  for (const rating::Rate& rate : deck.rates) zones.insert(rate.zone);
  const size_t rate_count = deck.rates.size();

  // One import at a time from here to the publish, so the book ends with the
  // plan of the last commit even when two imports of one plan race.
  const std::lock_guard<std::mutex> lock(rating.import_mu);
  // Build the trie before writing: a deck the trie refuses must not reach
  // the store. Its rounding is the one the store will hold unless the store
  // was changed behind our back (then it is rebuilt below).
  const std::shared_ptr<const rating::RateBook> before = rating.book.Current();
  const rating::CompiledPlan* current = before->Find(name);
  rating::RatePlan plan;
  plan.name = name;
  plan.decimals = settings.decimals.value_or(current ? current->decimals : rating::kDefaultDecimals);
  plan.rounding = settings.rounding.value_or(current ? current->rounding : rating::RoundingMode::kUp);
  plan.rates = std::move(deck.rates);
  base::Result<std::shared_ptr<const rating::CompiledPlan>> compiled = rating::CompiledPlan::Compile(std::move(plan));
  if (!compiled.ok()) return compiled.status().WithContext(context);

  const store::ChangeOrigin origin{r.caller().Actor(), s.clock.Now()};
  const rating::CompiledPlan& built = **compiled;
  store::RatePlanInfo stored;
  // One store transaction: the rates, the settings and the audit row, or
  // nothing. The job borrows `built` and `stored`: Run() waits for it.
  base::Status written = rating.writer.Run([&](SQLite::Database& db) -> base::Status {
    TARIFADOR_RETURN_IF_ERROR(store::ReplaceRatesIn(db, name, built.trie.rates(), origin, settings));
    base::Result<store::RatePlanInfo> info = store::PlanInfoIn(db, name);
    if (!info.ok()) return info.status();
    stored = std::move(*info);
    return base::Status::Ok();
  });
  if (!written.ok()) return written;

  std::shared_ptr<const rating::CompiledPlan> published = *compiled;
  if (stored.decimals != built.decimals || stored.rounding != built.rounding) {
    rating::RatePlan again{name, stored.decimals, stored.rounding,
                           std::vector<rating::Rate>(built.trie.rates().begin(), built.trie.rates().end())};
    base::Result<std::shared_ptr<const rating::CompiledPlan>> rebuilt = rating::CompiledPlan::Compile(std::move(again));
    // The same rates compiled a moment ago and the store checked the settings.
    if (!rebuilt.ok()) return base::Internal(context + ": committed but not published: " + rebuilt.status().message());
    published = std::move(*rebuilt);
  }
  rating.book.ReplacePlan(published);
  base::LogInfo("http: " + origin.actor + " imported " + std::to_string(rate_count) + " rates into plan " +
                Quoted(name));
  return Response::Json(Dump({{"plan", name},
                              {"rates", rate_count},
                              {"zones", zones.size()},
                              {"decimals", published->decimals},
                              {"rounding", rating::RoundingModeName(published->rounding)}}));
}

base::Status RatePlansReady(const rating::RateBook& book) {
  if (book.plan_count() > 0) return base::Status::Ok();
  return base::Unavailable(
      "no rate plan loaded; import one with `tarifador rates import --plan NAME FILE` or POST "
      "/api/v1/rate-plans/{name}/import");
}

void RegisterRatingProbes(const rating::RateBookHolder& book, Readiness& readiness, MetricsRegistry& metrics) {
  readiness.Add("rate_plans", [&book] { return RatePlansReady(*book.Current()); });
  metrics.AddProvider([&book](MetricsWriter& w) {
    const std::shared_ptr<const rating::RateBook> current = book.Current();
    int64_t rates = 0;
    for (const std::string& name : current->PlanNames()) {
      if (const rating::CompiledPlan* plan = current->Find(name))
        rates += static_cast<int64_t>(plan->trie.rate_count());
    }
    w.Gauge("tarifador_rate_plans", "Rate plans loaded in the live rate book", {},
            static_cast<int64_t>(current->plan_count()));
    w.Gauge("tarifador_rates", "Rates in all loaded rate plans", {}, rates);
  });
}

}  // namespace tarifador::http
