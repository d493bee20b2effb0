#pragma once
// JSON helpers for handlers (http/ internal; nlohmann/json stays in this
// folder's .cpp files). Every nlohmann exception stops here (STYLE.md habit 2).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// One page of an id-keyed list: `rows` were read with limit + 1 (one more
// than asked, which says whether there is a next page); the first `limit`
// become `items` through `to_json` (whose objects carry "id"), and
// `next_cursor` is the last item's id as a string, or null on the last page.
struct IdPage {
  nlohmann::json items = nlohmann::json::array();
  nlohmann::json next_cursor;
};
template <typename Row, typename ToJson>
IdPage PageOfRows(const std::vector<Row>& rows, int64_t limit, ToJson&& to_json) {
  IdPage page;
  for (const Row& row : rows) {
    if (static_cast<int64_t>(page.items.size()) == limit) {
      page.next_cursor = std::to_string(page.items.back()["id"].template get<int64_t>());
      break;
    }
    page.items.push_back(to_json(row));
  }
  return page;
}

}  // namespace tarifador::http
