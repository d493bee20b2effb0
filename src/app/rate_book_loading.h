#pragma once
// Loading the stored rate plans into a live rate book (serve at start, and
// the offline CLI commands that bill, such as `cdr import`).
#include "base/status.h"
#include "config/config.h"
#include "rating/rate_book.h"

namespace tarifador::app {

// Loads every rate plan from the store, compiles them and publishes the book.
// Fails when the store cannot be read or a stored plan does not compile (the
// message names the plan; `tarifador check` inspects the store). Logs how
// many plans and rates were loaded, and a warning when there are none.
base::Status LoadRateBook(const config::Config& cfg, rating::RateBookHolder& holder);

}  // namespace tarifador::app
