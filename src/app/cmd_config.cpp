#include "app/cmd_config.h"

#include <ostream>

#include "config/config_format.h"

namespace tarifador::app {
namespace {

bool NoArguments(CommandContext& ctx, const char* usage) {
  if (ctx.args.empty()) return true;
  ctx.err << "tarifador: unexpected argument \"" << ctx.args[0] << "\"\nusage: " << usage << "\n";
  return false;
}

}  // namespace

int RunConfigDefaults(CommandContext& ctx) {
  if (!NoArguments(ctx, "tarifador config defaults")) return 2;
  ctx.out << config::DefaultConfigText();
  return 0;
}

int RunConfigShow(CommandContext& ctx) {
  if (!NoArguments(ctx, "tarifador config show [--config FILE]")) return 2;
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) {
    return ctx.Fail(cfg.status());
  }
  ctx.out << config::ConfigJson(*cfg, /*mask_secrets=*/true);
  return 0;
}

int RunConfigDocs(CommandContext& ctx) {
  if (!NoArguments(ctx, "tarifador config docs")) return 2;
  ctx.out << config::ConfigurationMarkdown();
  return 0;
}

}  // namespace tarifador::app
