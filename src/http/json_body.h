#pragma once
// JSON helpers for handlers (http/ internal; nlohmann/json stays in this
// folder's .cpp files). Every nlohmann exception stops here (STYLE.md habit 2).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tarifador::http {

// Parses a request body that must be a JSON object. InvalidArgument, with the
// parser's position, for anything else; the body is never echoed back.
base::Result<nlohmann::json> ParseJsonObject(std::string_view body);

// The string member `key` of `object`. InvalidArgument when it is missing or
// not a string.
base::Result<std::string> RequireString(const nlohmann::json& object, const char* key);

// Like RequireString, but nullopt when the member is absent.
base::Result<std::optional<std::string>> OptionalString(const nlohmann::json& object, const char* key);

// Serialises `value`; invalid UTF-8 is replaced instead of throwing.
std::string Dump(const nlohmann::json& value);

}  // namespace tarifador::http
