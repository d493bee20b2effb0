#pragma once
// Reading a whole small file with a size bound (a file from outside must not
// make the process read gigabytes).
#include <cstdint>
#include <filesystem>
#include <string>

#include "base/status.h"

namespace tarifador::base {

// The file's bytes. InvalidArgument naming the path when it holds more than
// `max_bytes`; Unavailable naming the path and the reason when it cannot be
// read (NotFound when it does not exist).
Result<std::string> ReadFileAtMost(const std::filesystem::path& path, std::uintmax_t max_bytes);

}  // namespace tarifador::base
