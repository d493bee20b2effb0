#pragma once
// Scripted calls for tests and demos (docs/SIM.md "Scenario files"): JSON
// lines, one call object per line, or one JSON document, either an array of
// call objects or {"calls": [...]}. Each object is a CallSpec plus "at", the
// simulated seconds after the start at which the call is placed.
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sim/call_spec.h"

namespace tarifador::sim {

struct ScriptedCall {
  double at_s = 0;
  CallSpec spec;
};

// Parses a scenario. Blank lines and lines starting with '#' or "//" are
// skipped in the JSON-lines form. Validation reports every bad call (by line
// in JSON lines, by index in a document) in one InvalidArgument and returns
// no calls at all.
base::Result<std::vector<ScriptedCall>> ParseScenario(std::string_view text);

// Reads and parses a scenario file; NotFound when it cannot be read.
base::Result<std::vector<ScriptedCall>> LoadScenarioFile(const std::string& path);

}  // namespace tarifador::sim
