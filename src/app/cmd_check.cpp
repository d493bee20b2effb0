#include "app/cmd_check.h"

#include <nlohmann/json.hpp>
#include <ostream>

#include "store/check.h"
#include "store/store_meta.h"

namespace tarifador::app {

int RunCheck(CommandContext& ctx) {
  if (ctx.args.size() > 1) {
    ctx.err << "usage: tarifador check [--config FILE] [STORE_FILE]\n";
    return 2;
  }
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) {
    return ctx.Fail(cfg.status());
  }
  const std::string path = ctx.args.empty() ? cfg->StorePath() : ctx.args[0];
  const std::string site_id = cfg->site_id;
  // The configured site must match the one the store recorded (serve refuses
  // to start otherwise), so check says so before an upgrade or a restore.
  const store::NamedCheck extra[] = {
      {"site_id", [&site_id](SQLite::Database& db) { return store::CheckStoreSite(db, site_id); }},
  };
  const store::CheckReport report = store::CheckStore(path, extra);

  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  std::string failed;
  for (const store::CheckResult& c : report.checks) {
    checks.push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    if (!c.ok) failed += (failed.empty() ? "" : ", ") + c.name;
  }
  const nlohmann::ordered_json out = {{"ok", report.ok}, {"store", path}, {"checks", checks}};
  ctx.out << out.dump(2) << "\n";
  if (report.ok) {
    ctx.err << "check: " << report.checks.size() << " checks passed\n";
    return 0;
  }
  ctx.err << "check: FAILED: " << failed << "\n";
  return 1;
}

}  // namespace tarifador::app
