#include "app/cmd_quote.h"

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "app/dial_plan_from_config.h"
#include "app/service.h"
#include "base/time.h"
#include "http/rating_json.h"
#include "rating/quote.h"
#include "rating/rate_book.h"
#include "store/database.h"
#include "store/rate_plan_store.h"

namespace tarifador::app {
namespace {

constexpr const char* kUsage = "usage: tarifador quote [--plan NAME] NUMBER SECONDS [--at 2026-01-31T10:00:00Z]\n";

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
  if (positional.size() != 2) {
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
    return ctx.Fail(cfg.status());
  }
  if (plan.empty()) plan = cfg->rating.default_plan;
  base::Result<rating::NumberNormaliser> normaliser = NormaliserFromConfig(*cfg);
  if (!normaliser.ok()) {
    return ctx.Fail(normaliser.status());
  }
  auto db = OpenStoreForWriting(*cfg);
  if (!db.ok()) {
    return ctx.Fail(db.status());
  }
  auto loaded = store::RatePlanStore(**db).Load(plan);
  if (!loaded.ok()) {
    return ctx.Fail(loaded.status());
  }
  auto compiled = rating::CompiledPlan::Compile(std::move(*loaded));
  if (!compiled.ok()) {
    return ctx.Fail(compiled.status());
  }
  auto quote =
      rating::QuoteCall(**compiled, *normaliser, positional[0], *seconds, at.value_or(base::SystemClock().Now()));
  if (!quote.ok()) {
    return ctx.Fail(quote.status());
  }
  if (quote->blocked) {
    ctx.err << "tarifador: " << quote->number.digits << " is blocked in plan \"" << plan << "\" (prefix "
            << quote->rate.prefix.digits() << ", zone " << quote->rate.zone << ")\n";
  }
  ctx.out << http::QuoteJson(*quote, 2) << "\n";
  return 0;
}

}  // namespace tarifador::app
