#include "base/json_parse.h"

#include <set>
#include <string>
#include <vector>

namespace tarifador::base {
namespace {

// Thrown from the parser's callback: the only way to stop nlohmann/json's
// parser at once (returning false just discards a value and parses on).
struct Refusal {
  std::string message;
};

// Short and safe to show: a key from outside may hold anything.
std::string KeyForMessage(const std::string& key) {
  std::string out;
  for (const char c : key.substr(0, 40)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') ? '?' : c;
  }
  return key.size() > 40 ? out + "..." : out;
}

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text, const JsonLimits& limits) {
  using json = nlohmann::json;
  // keys[d]: the keys seen so far in the object open at depth d (its keys
  // are reported at depth d). Objects at one depth follow each other, so
  // each start clears its level; no end event is needed (nlohmann/json skips
  // it for discarded values).
  std::vector<std::set<std::string>> keys;
  const auto callback = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= limits.max_depth) {
          throw Refusal{"JSON nested deeper than " + std::to_string(limits.max_depth) + " levels"};
        }
        if (event == json::parse_event_t::object_start) {
          const size_t level = static_cast<size_t>(depth) + 1;
          if (keys.size() <= level) keys.resize(level + 1);
          keys[level].clear();
        }
        return true;
      case json::parse_event_t::key: {
        const size_t level = static_cast<size_t>(depth);
        if (keys.size() <= level) keys.resize(level + 1);
        std::string key = parsed.get<std::string>();
        if (keys[level].insert(key).second) return true;
        if (depth == 1 && !limits.first_wins_top_level_key.empty() && key == limits.first_wins_top_level_key) {
          return false;  // discard the repeat, keep the first
        }
        throw Refusal{"JSON with the key \"" + KeyForMessage(key) + "\" twice in one object"};
      }
      default: return true;
    }
  };
  try {
    return json::parse(text.begin(), text.end(), callback);
  } catch (const Refusal& r) {
    return InvalidArgument(r.message);
  } catch (const json::parse_error& e) {
    // e.byte is where the parser gave up; its message would echo the input.
    return InvalidArgument("not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::out_of_range&) {
    return InvalidArgument("JSON with a number out of range");
  } catch (const json::exception& e) {
    return InvalidArgument("not valid JSON (error " + std::to_string(e.id) + ")");
  }
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tarifador::base
