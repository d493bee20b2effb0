#pragma once
// The settings table (STYLE.md habit 8): one row per config key with its type,
// environment variable, help text, validator and binding to a Config field.
// The loader, the commented default config, `config show`, the docs
// (docs/CONFIGURATION.md) and later the UCI mapping and the settings API all
// read this one table. Defaults are Config's member initializers (config.h),
// read through the binding, so there is exactly one copy of each default.
//
// Everything here is immutable after static initialization and thread-safe.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"

namespace tarifador::config {

enum class SettingType { kString, kInteger, kBoolean };

// "string", "integer", "boolean" (docs and error messages).
const char* SettingTypeName(SettingType type);

// A value of one setting; the alternative always matches the setting's type.
using SettingValue = std::variant<std::string, int64_t, bool>;
// A pointer to the Config field a setting is bound to.
using SettingField = std::variant<std::string*, int64_t*, bool*>;

struct Setting {
  std::string_view key;  // dotted external name, e.g. "http.listen" (SPEC section 10: add, never rename)
  SettingType type;
  std::string_view env;   // "TARIFADOR_" + upper-snake key, e.g. TARIFADOR_HTTP_LISTEN
  std::string_view help;  // one or two sentences; states the accepted values
  bool secret;            // masked by `config show` and in error messages
  // Returns "" when `value` (already of `type`) is acceptable, otherwise why
  // not, phrased to follow "<key> = <value>: ".
  std::string (*validate)(const SettingValue& value);
  // The field of `config` this setting reads and writes.
  SettingField (*field)(Config& config);
};

// Every setting, in documentation order: top-level keys, then sections.
std::span<const Setting> Settings();

// The setting named `key` ("http.listen"), or nullptr.
const Setting* FindSetting(std::string_view key);

// The value of `setting` in `config`.
SettingValue GetSetting(const Config& config, const Setting& setting);

// Stores `value` into `config`. Precondition: the value's alternative matches
// setting.type (the loader checks types before calling).
void SetSetting(Config& config, const Setting& setting, const SettingValue& value);

// The default value (from Config's member initializers).
SettingValue DefaultValue(const Setting& setting);

// "TARIFADOR_" + the key upper-cased with '.' turned into '_'.
std::string EnvNameForKey(std::string_view key);

// The value as it is written in JSON: "\"text\"" (escaped), "42", "true".
std::string FormatValue(const SettingValue& value);

// FormatValue, or "\"********\"" for a non-empty secret; postgres.conninfo
// keeps everything but its password visible (see MaskConninfo).
std::string FormatValueForDisplay(const Setting& setting, const SettingValue& value);

// A libpq connection string with the password hidden: the value of a
// "password=..." keyword and the password of a "postgresql://user:pw@host" URI
// become "********". Other text is unchanged.
std::string MaskConninfo(std::string_view conninfo);

// Cross-key rules that no single validator can see (TLS needs both files,
// the mirror needs a connection string). One message per broken rule, empty
// when the config is coherent.
std::vector<std::string> CrossCheck(const Config& config);

// A coherent config that is still unsafe (the event socket's password left
// at FreeSWITCH's default): one message per finding, each naming the key and
// the fix. `serve` logs them at start.
std::vector<std::string> SecurityWarnings(const Config& config);

}  // namespace tarifador::config
