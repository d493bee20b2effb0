#pragma once
// Small text helpers shared by the error messages of every folder.
#include <string>
#include <string_view>
#include <vector>

namespace tarifador::base {

// `s` in double quotes, for messages that name the bad input:
// "prefix " + Quoted("12a") + " is not digits". No escaping: messages only.
std::string Quoted(std::string_view s);

// The pieces of a comma-separated setting or field, empty ones included
// ("44,,49" -> "44", "", "49"), so a validator can refuse them; "" -> none.
std::vector<std::string_view> SplitCommas(std::string_view s);

}  // namespace tarifador::base
