#pragma once
// One rate as the rates routes show it (GET .../rates, GET/PUT
// .../rates/{prefix}): the deck's columns, money as decimal strings, times as
// ISO 8601 UTC. Field names are external: add, never rename.
#include <nlohmann/json.hpp>

#include "rating/rate.h"

namespace tarifador::http {

nlohmann::json RateToJson(const rating::Rate& r);

}  // namespace tarifador::http
