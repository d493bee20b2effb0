#pragma once
// The files in src/app/demo/ compiled into the binary (cmake/Embed.cmake):
// the sample rate deck `tarifador demo` imports.
#include <span>

#include "base/embedded_file.h"

namespace tarifador::app {
std::span<const base::EmbeddedFile> EmbeddedDemoData();
}  // namespace tarifador::app
