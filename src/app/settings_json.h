#pragma once
// The effective configuration as GET /api/v1/settings shows it: every
// setting of the settings table with its value and where it came from.
#include <string>

#include "config/config.h"

namespace tarifador::app {

// {"settings": {"http.listen": {"value": "...", "source": "..."}, ...}} as
// one line of JSON. Secrets (Setting::secret) are "***" unless empty.
// "source" is "env" when the setting's TARIFADOR_* variable is set in this
// process's environment, "default" when the value equals the built-in
// default, "file" otherwise (the loader does not record sources, so a file
// that repeats a default shows "default").
std::string EffectiveSettingsJson(const config::Config& cfg);

}  // namespace tarifador::app
