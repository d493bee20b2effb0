#include "app/cmd_version.h"

#include <ostream>

#include "app/build_info.h"

namespace tarifador::app {

int RunVersion(CommandContext& ctx) {
  ctx.out << "tarifador " << BuildVersion() << " (" << BuildRevision() << ")\n";
  return 0;
}

}  // namespace tarifador::app
