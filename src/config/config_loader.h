#pragma once
// Loading tarifador's config (SPEC sections 8 and 10, STYLE.md habit 12):
// defaults (config.h), then the JSON file (comments allowed, dotted keys as
// nested objects), then environment variables, which win over the file. Every
// bad value, wrong type and unknown key is reported at once and nothing is
// applied: the result is either a complete valid Config or a failure.
//
// Thread-safe as long as the lookups passed in are.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "config/config.h"

namespace tarifador::config {

// Returns the value of environment variable `name`, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The real process environment (getenv).
std::optional<std::string> ProcessEnvironment(const std::string& name);

// This machine's host name (gethostname), cut to the characters and length
// site_id accepts; "tarifador" if it cannot be read.
std::string SystemHostName();

// The outside world the loader reads besides the file (STYLE.md habit 7):
// tests pass fakes so they never depend on the real environment.
struct LoadSources {
  EnvLookup env = ProcessEnvironment;
  std::function<std::string()> host_name = SystemHostName;
};

// Loads the config file at `path`, or only defaults + environment when `path`
// is nullopt. An empty site_id becomes sources.host_name().
// Fails with NotFound when an explicitly given file cannot be read, and with
// InvalidArgument listing every problem, one per line, each naming its source
// (the file path or "environment TARIFADOR_..."), the key and the value
// (secrets masked).
base::Result<Config> LoadConfig(const std::optional<std::string>& path, const LoadSources& sources = {});

// As LoadConfig, with the file's text given directly; `source_name` is used
// in messages in place of the file path.
base::Result<Config> ParseConfig(std::string_view json_text, std::string_view source_name,
                                 const LoadSources& sources = {});

}  // namespace tarifador::config
