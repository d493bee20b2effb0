#pragma once
// The box's name towards the outside: config's site_id, or the host name when
// it is empty (config.h). The mirror keys rows by it; alert e-mail and
// webhooks name the box with it.
#include <string>

#include "config/config.h"

namespace tarifador::app {

std::string SiteIdOf(const config::Config& cfg);

}  // namespace tarifador::app
