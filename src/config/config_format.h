#pragma once
// Text generated from the settings table (STYLE.md habit 8): the commented
// default config file, the effective config as JSON, and the reference page
// docs/CONFIGURATION.md. All functions are pure and thread-safe.
#include <string>

#include "config/config.h"

namespace tarifador::config {

// The default config file: JSON with // comments holding each key's help and
// environment variable (`tarifador config defaults`). Loading it back yields
// exactly the defaults.
std::string DefaultConfigText();

// `config` as pretty-printed nested JSON (`tarifador config show`). With
// `mask_secrets`, freeswitch.password becomes "********" and the password
// inside postgres.conninfo is hidden.
std::string ConfigJson(const Config& config, bool mask_secrets);

// The whole of docs/CONFIGURATION.md: a short introduction and one table row
// per setting (`tarifador config docs` prints it; a unit test keeps the
// committed file equal to it).
std::string ConfigurationMarkdown();

}  // namespace tarifador::config
