#include "app/build_info.h"

namespace tarifador::app {
const char* BuildVersion() { return TARIFADOR_VERSION; }
const char* BuildRevision() { return TARIFADOR_GIT_REV; }
}  // namespace tarifador::app
