#include "app/command.h"
#include "base/local_time.h"
#include "config/config_loader.h"
#include "export/cdr_columns.h"

namespace tarifador::app {

base::Result<config::Config> CommandContext::LoadConfig() const {
  base::Result<config::Config> cfg = config::LoadConfig(config_path);
  if (!cfg.ok()) return cfg;
  // The office time zone, before any thread exists (base/local_time.h): every
  // command that reads the config counts local days the same way.
  if (base::Status s = base::SetOfficeTimeZone(cfg->time_zone); !s.ok()) {
    return base::InvalidArgument("time_zone: " + s.message());
  }
  // Rules the settings table cannot check without the export library.
  base::Result<std::vector<exports::Column>> columns = exports::ParseColumns(cfg->export_.columns);
  if (!columns.ok()) return columns.status();
  return cfg;
}

}  // namespace tarifador::app
