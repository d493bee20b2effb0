#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador backup FILE`: online backup of the configured store (data_dir)
// into FILE with SQLite's backup API, safe while the service runs. Prints
// {"file","bytes","schema_version"} on stdout. Exit 0; 1 when the config is
// invalid or the backup failed (the reason on stderr); 2 on bad usage.
int RunBackup(CommandContext& ctx);

}  // namespace tarifador::app
