#include "app/settings_json.h"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "config/settings_table.h"

namespace tarifador::app {

std::string EffectiveSettingsJson(const config::Config& cfg) {
  nlohmann::json settings = nlohmann::json::object();
  for (const config::Setting& s : config::Settings()) {
    const config::SettingValue value = config::GetSetting(cfg, s);
    nlohmann::json shown = std::visit([](const auto& v) { return nlohmann::json(v); }, value);
    if (s.secret && !(std::holds_alternative<std::string>(value) && std::get<std::string>(value).empty())) {
      shown = "***";
    }
    const std::string env(s.env);
    const char* source = "file";
    if (std::getenv(env.c_str()) != nullptr) {
      source = "env";
    } else if (value == config::DefaultValue(s)) {
      source = "default";
    }
    settings[std::string(s.key)] = {{"value", shown}, {"source", source}};
  }
  return nlohmann::json({{"settings", settings}}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tarifador::app
