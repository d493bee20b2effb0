#include "app/cmd_cdr_prune.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/cdr_retention_service.h"
#include "store/cdr_retention.h"
#include "store/writer.h"

namespace tarifador::app {
namespace {

constexpr const char* kUsage = "usage: tarifador cdr prune [--dry-run] [--config FILE]\n";

}  // namespace

int RunCdrPrune(CommandContext& ctx) {
  bool dry_run = false;
  for (const std::string& a : ctx.args) {
    if (a == "--dry-run") {
      dry_run = true;
    } else {
      ctx.err << "tarifador: unexpected argument \"" << a << "\"\n" << kUsage;
      return 2;
    }
  }
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) return ctx.Fail(cfg.status());
  const base::SystemClock clock;
  const RetentionPlan plan = PlanRetention(*cfg, clock.Now());
  nlohmann::ordered_json out = {
      {"dry_run", dry_run},
      {"cdr_days", cfg->retention.cdr_days},
      {"active", plan.active},
      {"reason", plan.active ? nlohmann::ordered_json() : nlohmann::ordered_json(plan.reason)},
      {"cutoff", nullptr}};
  store::RetentionResult result;
  if (plan.active) {
    out["cutoff"] = base::FormatIso8601(plan.options.cutoff);
    const std::string path = cfg->StorePath();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      return ctx.Fail(base::NotFound("store file \"" + path + "\" does not exist (check data_dir)"));
    }
    base::Result<store::RetentionResult> r = base::Internal("not run");
    if (dry_run) {
      r = store::CountPrunableCdrs(path, plan.options);
    } else {
      base::Result<std::unique_ptr<store::Writer>> writer = store::Writer::Start(path);
      if (!writer.ok()) return ctx.Fail(writer.status());
      r = store::PruneCdrs(**writer, plan.options);
      (*writer)->Shutdown();
    }
    if (!r.ok()) return ctx.Fail(r.status());
    result = *r;
  }
  out["pruned"] = result.pruned;
  out["kept_not_exported"] = result.kept_not_exported;
  out["kept_not_mirrored"] = result.kept_not_mirrored;
  out["mirror_enabled"] = result.mirror_enabled;
  ctx.out << out.dump(2) << "\n";
  if (!plan.active) {
    ctx.err << "cdr prune: retention is off: " << plan.reason << "\n";
  } else {
    ctx.err << "cdr prune: " << (dry_run ? "would prune " : "pruned ") << result.pruned << " CDRs that ended before "
            << base::FormatIso8601(plan.options.cutoff) << "; kept " << result.kept_not_exported
            << " not exported yet, " << result.kept_not_mirrored << " not mirrored yet\n";
  }
  return 0;
}

}  // namespace tarifador::app
