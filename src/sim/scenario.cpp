#include "sim/scenario.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tarifador::sim {
namespace {

using nlohmann::json;

// Fills `out` from one call object; returns "" or a message naming every bad field.
std::string CallFromJson(const json& obj, ScriptedCall& out) {
  if (!obj.is_object()) return "a call must be a JSON object";
  std::string errors;
  auto fail = [&](const std::string& m) { errors += (errors.empty() ? "" : "; ") + m; };
  CallSpec& s = out.spec;
  bool explicit_not_pin = false;  // "pin_call": false
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    // Named references, not a structured binding: lambdas below capture them.
    const std::string& key = it.key();
    const json& value = it.value();
    auto text = [&](std::string& field) {
      if (value.is_string()) {
        field = value.get<std::string>();
      } else {
        fail("\"" + key + "\" must be a string");
      }
    };
    auto seconds = [&](double& field) {
      if (value.is_number()) {
        field = value.get<double>();
      } else {
        fail("\"" + key + "\" must be a number of seconds");
      }
    };
    if (key == "at") {
      seconds(out.at_s);
    } else if (key == "kind") {
      auto k = value.is_string() ? ParseCallKind(value.get<std::string>()) : std::nullopt;
      if (k) {
        s.kind = *k;
      } else {
        fail("\"kind\" must be outbound, internal, inbound or transfer");
      }
    } else if (key == "outcome") {
      auto o = value.is_string() ? ParseCallOutcome(value.get<std::string>()) : std::nullopt;
      if (o) {
        s.outcome = *o;
      } else {
        fail("\"outcome\" must be answered, busy, no_answer, rejected, failed or cancel");
      }
    } else if (key == "hangup_by") {
      if (value == "caller") {
        s.hangup_by = HangupBy::kCaller;
      } else if (value == "callee") {
        s.hangup_by = HangupBy::kCallee;
      } else {
        fail("\"hangup_by\" must be caller or callee");
      }
    } else if (key == "early_answer") {
      if (value.is_boolean()) {
        s.early_answer = value.get<bool>();
      } else {
        fail("\"early_answer\" must be true or false");
      }
    } else if (key == "pin_call") {
      if (value.is_boolean()) {
        s.pin_call = value.get<bool>();
        explicit_not_pin = !s.pin_call;
      } else {
        fail("\"pin_call\" must be true or false");
      }
    } else if (key == "pin_id") {
      text(s.pin_id);
    } else if (key == "pin") {
      text(s.pin);
    } else if (key == "pin_prefix") {
      text(s.pin_prefix);
    } else if (key == "pin_s") {
      seconds(s.pin_s);
    } else if (key == "caller") {
      text(s.caller);
    } else if (key == "destination") {
      text(s.destination);
    } else if (key == "gateway") {
      text(s.gateway);
    } else if (key == "cause") {
      text(s.cause);
    } else if (key == "transfer_to") {
      text(s.transfer_to);
    } else if (key == "a_uuid") {
      text(s.a_uuid);
    } else if (key == "b_uuid") {
      text(s.b_uuid);
    } else if (key == "c_uuid") {
      text(s.c_uuid);
    } else if (key == "ring") {
      seconds(s.ring_s);
    } else if (key == "talk") {
      seconds(s.talk_s);
    } else if (key == "ivr") {
      seconds(s.ivr_s);
    } else if (key == "dialplan") {
      seconds(s.dialplan_s);
    } else if (key == "consult") {
      seconds(s.consult_s);
    } else if (key == "after_transfer") {
      seconds(s.after_transfer_s);
    } else {
      fail("unknown key \"" + key + "\"");
    }
  }
  if (explicit_not_pin && (!s.pin_id.empty() || !s.pin.empty())) {
    fail("\"pin_call\" is false but \"pin_id\" or \"pin\" is given");
  }
  if (errors.empty()) {
    if (out.at_s < 0) fail("\"at\" must be >= 0");
    base::Status v = ValidateCallSpec(s);
    if (!v.ok()) fail(v.message());
  }
  return errors;
}

}  // namespace

base::Result<std::vector<ScriptedCall>> ParseScenario(std::string_view text) {
  std::vector<ScriptedCall> calls;
  std::string errors;
  auto add_error = [&](const std::string& where, const std::string& m) { errors += "\n  " + where + ": " + m; };
  // A whole document: an array, or an object holding "calls".
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  const json* list = nullptr;
  if (doc.is_array()) list = &doc;
  if (doc.is_object() && doc.contains("calls")) list = &doc["calls"];
  if (list != nullptr) {
    if (!list->is_array()) return base::InvalidArgument("scenario: \"calls\" must be an array");
    for (size_t i = 0; i < list->size(); ++i) {
      ScriptedCall call;
      const std::string e = CallFromJson((*list)[i], call);
      if (e.empty()) {
        calls.push_back(std::move(call));
      } else {
        add_error("call " + std::to_string(i + 1), e);
      }
    }
  } else {
    std::istringstream in{std::string(text)};
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      const size_t first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos || line[first] == '#' || line.compare(first, 2, "//") == 0) continue;
      json obj = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (obj.is_discarded()) {
        add_error("line " + std::to_string(number), "not valid JSON");
        continue;
      }
      ScriptedCall call;
      const std::string e = CallFromJson(obj, call);
      if (e.empty()) {
        calls.push_back(std::move(call));
      } else {
        add_error("line " + std::to_string(number), e);
      }
    }
  }
  if (!errors.empty()) return base::InvalidArgument("scenario has errors:" + errors);
  if (calls.empty()) return base::InvalidArgument("scenario has no calls");
  return calls;
}

base::Result<std::vector<ScriptedCall>> LoadScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::NotFound("reading scenario \"" + path + "\": cannot open it");
  std::ostringstream ss;
  ss << in.rdbuf();
  auto calls = ParseScenario(ss.str());
  if (!calls.ok()) return calls.status().WithContext("scenario \"" + path + "\"");
  return calls;
}

}  // namespace tarifador::sim
