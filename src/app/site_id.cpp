#include "app/site_id.h"

#include <unistd.h>

namespace tarifador::app {

std::string SiteIdOf(const config::Config& cfg) {
  if (!cfg.site_id.empty()) return cfg.site_id;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "unknown";
  return host;
}

}  // namespace tarifador::app
