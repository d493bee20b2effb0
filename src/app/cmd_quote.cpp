#include "app/cmd_quote.h"

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "base/time.h"
#include "rating/rate_book.h"
#include "store/database.h"
#include "store/rate_plan_store.h"

namespace tarifador::app {
namespace {

constexpr const char* kUsage = "usage: tarifador quote --plan NAME NUMBER SECONDS [--at 2026-01-31T10:00:00Z]\n";

std::optional<int64_t> ParseSeconds(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;  // up to ~31 years, no overflow
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

nlohmann::ordered_json QuoteJson(const rating::Quote& q) {
  const rating::Rate& r = q.rate;
  const rating::CostBreakdown& c = q.cost;
  nlohmann::ordered_json j;  // fields in a reading order, as docs/RATING.md shows them
  j["plan"] = q.plan;
  j["number"] = q.dialled;
  j["normalised_number"] = q.number.digits;
  j["number_kind"] = rating::NumberKindName(q.number.kind);
  j["at"] = base::FormatIso8601(q.at);
  j["prefix"] = r.prefix.digits();
  j["zone"] = r.zone;
  j["blocked"] = q.blocked;
  j["price_per_minute"] = r.price_per_minute.ToString();
  j["connection_fee"] = r.connection_fee.ToString();
  j["initial_increment"] = r.initial_increment_s;
  j["increment"] = r.increment_s;
  j["min_duration"] = r.min_duration_s;
  j["grace"] = r.grace_s;
  j["priority"] = r.priority;
  j["effective_from"] = base::FormatIso8601(r.effective_from);
  j["effective_to"] =
      r.effective_to ? nlohmann::ordered_json(base::FormatIso8601(*r.effective_to)) : nlohmann::ordered_json();
  j["seconds"] = c.billsec;
  j["within_grace"] = c.within_grace;
  j["charged_seconds"] = c.charged_duration_s;
  j["billable_seconds"] = c.billable_s;
  j["increments"] = c.increments;
  j["connection_fee_charged"] = c.connection_fee.ToString();
  // The exact amount is a multiple of 1/60 micro-unit: the decimal string is
  // truncated to micro-units and "unrounded_exact" says whether it is exact;
  // "unrounded_sixtieth_micros" is the exact value for disputes.
  j["unrounded_cost"] = c.ExactCostFloor().ToString(6);
  j["unrounded_exact"] = c.ExactIsWholeMicros();
  j["unrounded_sixtieth_micros"] = c.exact_sixtieth_micros;
  j["decimals"] = c.decimals;
  j["rounding"] = rating::RoundingModeName(c.rounding);
  j["cost"] = c.cost.ToString(c.decimals);
  return j;
}

int RunQuote(CommandContext& ctx) {
  std::string plan;
  std::optional<base::Instant> at;
  std::vector<std::string> positional;
  const std::vector<std::string>& args = ctx.args;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--plan" && has_value) {
      plan = args[++i];
    } else if (a == "--at" && has_value) {
      auto t = base::ParseIso8601(args[++i]);
      if (!t.ok()) {
        ctx.err << "tarifador: --at: " << t.status().message() << "\n";
        return 2;
      }
      at = *t;
    } else if (a.size() > 2 && a[0] == '-' && a[1] == '-') {
      ctx.err << "tarifador: unknown or incomplete option \"" << a << "\"\n" << kUsage;
      return 2;
    } else {
      positional.push_back(a);
    }
  }
  if (plan.empty() || positional.size() != 2) {
    ctx.err << kUsage;
    return 2;
  }
  const auto seconds = ParseSeconds(positional[1]);
  if (!seconds) {
    ctx.err << "tarifador: SECONDS \"" << positional[1] << "\" is not a whole number of seconds\n";
    return 2;
  }
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) {
    ctx.err << "tarifador: " << cfg.status().message() << "\n";
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(cfg->data_dir, ec);
  if (ec) {
    ctx.err << "tarifador: creating data_dir \"" << cfg->data_dir << "\": " << ec.message() << "\n";
    return 1;
  }
  auto db = store::Database::Open(cfg->StorePath(), store::OpenMode::kReadWrite);
  if (!db.ok()) {
    ctx.err << "tarifador: " << db.status().message() << "\n";
    return 1;
  }
  auto loaded = store::RatePlanStore(**db).Load(plan);
  if (!loaded.ok()) {
    ctx.err << "tarifador: " << loaded.status().message() << "\n";
    return 1;
  }
  auto compiled = rating::CompiledPlan::Compile(std::move(*loaded));
  if (!compiled.ok()) {
    ctx.err << "tarifador: " << compiled.status().message() << "\n";
    return 1;
  }
  // The dial-plan rules are not configurable yet: "+" and "00" give the
  // international form, which is what rate decks are keyed on.
  const rating::NumberNormaliser normaliser;
  auto quote =
      rating::QuoteCall(**compiled, normaliser, positional[0], *seconds, at.value_or(base::SystemClock().Now()));
  if (!quote.ok()) {
    ctx.err << "tarifador: " << quote.status().message() << "\n";
    return 1;
  }
  if (quote->blocked) {
    ctx.err << "tarifador: " << quote->number.digits << " is blocked in plan \"" << plan << "\" (prefix "
            << quote->rate.prefix.digits() << ", zone " << quote->rate.zone << ")\n";
  }
  ctx.out << QuoteJson(*quote).dump(2) << "\n";
  return 0;
}

}  // namespace tarifador::app
