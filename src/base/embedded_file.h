#pragma once
// A file compiled into the binary (SQL migrations, the web UI); see cmake/Embed.cmake.
#include <span>
#include <string_view>

namespace tarifador::base {

struct EmbeddedFile {
  std::string_view path;  // relative to the embedded folder, '/'-separated
  std::string_view data;  // the file's bytes; static storage duration
};

}  // namespace tarifador::base
