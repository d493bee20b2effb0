#pragma once
#include "app/command.h"

namespace tarifador::app {
// `tarifador version`: prints "tarifador X.Y.Z (gitrev)".
int RunVersion(CommandContext& ctx);
}  // namespace tarifador::app
