#pragma once
// Parsing JSON from outside (API bodies, mod_json_cdr documents) with the
// same bounds and the same rules everywhere: a limited nesting depth (eight
// million '[' would otherwise cost ~600 MB), numbers in double's range, and
// duplicate keys refused rather than silently resolved (nlohmann/json keeps
// the last one, which is how two parsers came to disagree about one body).
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/status.h"

namespace tarifador::base {

struct JsonLimits {
  // Arrays and objects open at once; the deepest document tarifador reads is
  // a mod_json_cdr record (about 6).
  int max_depth = 32;
  // A top-level key that may repeat, keeping its first value (mod_json_cdr
  // before FreeSWITCH 1.6 wrote one "callflow" per profile, newest first);
  // every other repeated key is an error.
  std::string_view first_wins_top_level_key;
};

// InvalidArgument naming what is wrong and where (a byte offset, a key), never
// echoing the input, worded to follow "<the input> is ": "not valid JSON (at
// byte 17)", "JSON nested deeper than 32 levels", "JSON with a number out of
// range", "JSON with the key \"amount\" twice in one object".
Result<nlohmann::json> ParseJson(std::string_view text, const JsonLimits& limits = {});

// Compact JSON text of `value`, never throwing: strings that are not UTF-8
// (caller ids and names come from the switch as bytes) have each bad byte
// replaced by U+FFFD, where nlohmann/json's own dump() would throw and, inside
// a store transaction, fail the charge that wrote them.
std::string DumpJson(const nlohmann::json& value);

}  // namespace tarifador::base
