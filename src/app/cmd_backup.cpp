#include "app/cmd_backup.h"

#include <nlohmann/json.hpp>
#include <ostream>

#include "store/backup.h"

namespace tarifador::app {

int RunBackup(CommandContext& ctx) {
  if (ctx.args.size() != 1) {
    ctx.err << "usage: tarifador backup [--config FILE] FILE\n";
    return 2;
  }
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) {
    return ctx.Fail(cfg.status());
  }
  const std::string& dest = ctx.args[0];
  auto info = store::Backup(cfg->StorePath(), dest);
  if (!info.ok()) {
    return ctx.Fail(info.status());
  }
  ctx.err << "backed up " << cfg->StorePath() << " to " << dest << "\n";
  nlohmann::ordered_json out = {{"file", dest}, {"bytes", info->bytes}, {"schema_version", info->schema_version}};
  ctx.out << out.dump() << "\n";
  return 0;
}

}  // namespace tarifador::app
