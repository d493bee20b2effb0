#include "app/command.h"

namespace tarifador::app {

// Placeholder until src/config lands its loader (replaced in this same change).
base::Result<config::Config> CommandContext::LoadConfig() const { return config::Config{}; }

}  // namespace tarifador::app
