#include "app/cmd_rates.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "app/service.h"
#include "base/time.h"
#include "rating/rate_deck.h"
#include "store/database.h"
#include "store/rate_plan_store.h"

namespace tarifador::app {
namespace {

constexpr const char* kImportUsage =
    "usage: tarifador rates import --plan NAME FILE [--decimals N] [--rounding up|half_up|down]\n";

struct ImportArgs {
  std::string plan;
  std::string file;
  std::optional<int> decimals;
  std::optional<rating::RoundingMode> rounding;
};

// Fills `out` from the words after "rates import"; false (after printing why) on bad usage.
bool ParseImportArgs(const std::vector<std::string>& args, std::ostream& err, ImportArgs& out) {
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--plan" && has_value) {
      out.plan = args[++i];
    } else if (a == "--decimals" && has_value) {
      const std::string& v = args[++i];
      if (v.size() != 1 || v[0] < '0' || v[0] > '6') {
        err << "tarifador: --decimals \"" << v << "\" is not between 0 and 6\n";
        return false;
      }
      out.decimals = v[0] - '0';
    } else if (a == "--rounding" && has_value) {
      auto mode = rating::ParseRoundingMode(args[++i]);
      if (!mode.ok()) {
        err << "tarifador: --rounding: " << mode.status().message() << "\n";
        return false;
      }
      out.rounding = *mode;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      err << "tarifador: unknown or incomplete option \"" << a << "\"\n" << kImportUsage;
      return false;
    } else {
      positional.push_back(a);
    }
  }
  if (out.plan.empty() || positional.size() != 1) {
    err << kImportUsage;
    return false;
  }
  out.file = positional[0];
  return true;
}

// Reads a whole file ("-": stdin) into `out`.
base::Status ReadInput(const std::string& file, std::istream& in, std::string& out) {
  if (file == "-") {
    std::ostringstream buf;
    buf << in.rdbuf();  // an empty stdin sets failbit on buf, which is fine: empty deck
    out = std::move(buf).str();
    return base::Status::Ok();
  }
  std::ifstream f(file, std::ios::binary);
  if (!f) return base::NotFound("cannot open \"" + file + "\"");
  std::ostringstream buf;
  buf << f.rdbuf();
  if (f.bad()) return base::Unavailable("cannot read \"" + file + "\"");
  out = std::move(buf).str();
  return base::Status::Ok();
}

// Opens the configured store read-write, creating data_dir when missing
// (STYLE.md habit 13: the binary creates its own data dir and schema).
base::Result<std::unique_ptr<store::Database>> OpenStore(const CommandContext& ctx) {
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) return cfg.status();
  return OpenStoreForWriting(*cfg);
}

}  // namespace

int RunRatesImport(CommandContext& ctx) {
  ImportArgs args;
  if (!ParseImportArgs(ctx.args, ctx.err, args)) return 2;
  const std::string context = "importing plan \"" + args.plan + "\"";
  if (base::Status s = rating::ValidatePlanName(args.plan); !s.ok()) {
    return ctx.Fail(s, 2);
  }
  std::string csv;
  if (base::Status s = ReadInput(args.file, ctx.in, csv); !s.ok()) {
    return ctx.Fail(s.WithContext(context));
  }
  const rating::RateDeck deck = rating::ParseRateDeck(csv);
  if (!deck.ok()) {
    for (const rating::DeckError& e : deck.errors) ctx.err << "tarifador: " << context << ": " << e.ToString() << "\n";
    ctx.err << "tarifador: " << context << ": " << deck.errors.size()
            << (deck.errors.size() == 1 ? " error" : " errors") << ", nothing imported\n";
    return 1;
  }
  auto db = OpenStore(ctx);
  if (!db.ok()) {
    return ctx.Fail(db.status().WithContext(context));
  }
  store::RatePlanStore plans(**db);
  const store::ChangeOrigin origin{"cli", base::SystemClock().Now()};
  const store::PlanSettingsUpdate settings{args.decimals, args.rounding};
  if (base::Status s = plans.ReplaceRates(args.plan, deck.rates, origin, settings); !s.ok()) {
    return ctx.Fail(s);
  }
  std::set<std::string_view> zones;
  for (const rating::Rate& r : deck.rates) zones.insert(r.zone);
  const nlohmann::json summary = {{"plan", args.plan}, {"rates", deck.rates.size()}, {"zones", zones.size()}};
  ctx.out << summary.dump() << "\n";
  ctx.err << "tarifador: imported " << deck.rates.size() << " rates into plan \"" << args.plan << "\"\n";
  return 0;
}

int RunRatesList(CommandContext& ctx) {
  if (!ctx.args.empty()) {
    ctx.err << "usage: tarifador rates list\n";
    return 2;
  }
  auto db = OpenStore(ctx);
  if (!db.ok()) {
    return ctx.Fail(db.status());
  }
  auto list = store::RatePlanStore(**db).ListPlans();
  if (!list.ok()) {
    return ctx.Fail(list.status());
  }
  nlohmann::json out = nlohmann::json::array();
  for (const store::RatePlanInfo& p : *list) {
    out.push_back({{"name", p.name},
                   {"decimals", p.decimals},
                   {"rounding", rating::RoundingModeName(p.rounding)},
                   {"rates", p.rate_count},
                   {"updated_at", base::FormatIso8601(p.updated_at)}});
  }
  ctx.out << out.dump(2) << "\n";
  return 0;
}

}  // namespace tarifador::app
