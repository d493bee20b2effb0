#include "http/json_body.h"

#include "base/json_parse.h"

namespace tarifador::http {

base::Result<nlohmann::json> ParseJsonObject(std::string_view body) {
  base::Result<nlohmann::json> value = base::ParseJson(body);
  if (!value.ok()) return base::InvalidArgument("request body is " + value.status().message());
  if (!value->is_object()) return base::InvalidArgument("request body must be a JSON object");
  return value;
}

base::Result<std::string> RequireString(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return base::InvalidArgument(std::string("missing field \"") + key + "\"");
  if (!it->is_string()) return base::InvalidArgument(std::string("field \"") + key + "\" must be a string");
  return it->get<std::string>();
}

base::Result<std::optional<std::string>> OptionalString(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return base::InvalidArgument(std::string("field \"") + key + "\" must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

std::string Dump(const nlohmann::json& value) { return base::DumpJson(value); }

}  // namespace tarifador::http
