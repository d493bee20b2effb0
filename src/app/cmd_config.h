#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador config defaults`: prints the commented default config file
// (every key, its help and environment variable) on stdout. Exit 0.
int RunConfigDefaults(CommandContext& ctx);

// `tarifador config show [--config FILE]`: loads and validates the config
// (file, then environment) and prints the effective settings as JSON on
// stdout, passwords masked. Exit 0; 1 with every problem on stderr when the
// config is invalid.
int RunConfigShow(CommandContext& ctx);

// `tarifador config docs`: prints docs/CONFIGURATION.md on stdout. Exit 0.
int RunConfigDocs(CommandContext& ctx);

}  // namespace tarifador::app
