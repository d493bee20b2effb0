#pragma once
// Small text helpers shared by the error messages of every folder.
#include <string>
#include <string_view>

namespace tarifador::base {

// `s` in double quotes, for messages that name the bad input:
// "prefix " + Quoted("12a") + " is not digits". No escaping: messages only.
std::string Quoted(std::string_view s);

}  // namespace tarifador::base
