#include "app/command.h"
#include "config/config_loader.h"

namespace tarifador::app {

base::Result<config::Config> CommandContext::LoadConfig() const { return config::LoadConfig(config_path); }

}  // namespace tarifador::app
