#pragma once
// mod_json_cdr's on-disk output for simulated legs (ESL-NOTES "mod_json_cdr",
// docs/SIM.md "CDR files"): one JSON document per leg, built from the leg's
// final data at its CHANNEL_HANGUP_COMPLETE, written as
// <dir>/[a_]<uuid>.cdr.json — one unformatted line and "\n", as
// cJSON_PrintUnformatted and the err-log writer produce — through a temp
// file and a rename, so a reader never sees half a document.
//
// The shape follows the real documents in ../shared/fixtures/cdr/*.json
// (switch_ivr_generate_json_cdr): core-uuid, switchname, channel_data,
// variables (values URL-encoded: encode-values=true), app_log (legs that ran
// an application) and callflow (one entry; caller_profile with an
// originator or originatee block; times in µs strings). There is no
// callStats: media is not simulated.
//
// Pure functions plus one file write; thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace tarifador::sim {

// A caller profile as mod_json_cdr writes it (switch_ivr_set_json_profile_data).
// `ani` is the caller id number, `aniii` is always empty here; `rdnis` is
// the number dialled before a transfer (a PIN call's), else empty.
struct CdrProfile {
  std::string username;
  std::string dialplan = "XML";
  std::string caller_id_name;
  std::string caller_id_number;
  std::string network_addr;
  std::string destination_number;
  std::string rdnis;
  std::string uuid;
  std::string source = "mod_sofia";
  std::string transfer_source;  // written only when set (after a transfer)
  std::string context;
  std::string chan_name;
};

// The callflow entry's times, µs since the epoch, 0 for "never".
struct CdrTimes {
  int64_t created = 0;
  int64_t profile_created = 0;
  int64_t progress = 0;
  int64_t progress_media = 0;
  int64_t answered = 0;
  int64_t bridged = 0;
  int64_t hangup = 0;
  int64_t transfer = 0;
};

// One application the leg ran (app_log, and the dialplan extension's list).
struct CdrApplication {
  std::string name;
  std::string data;
  int64_t stamp_us = 0;
};

// Everything one leg's document holds.
struct JsonCdrLeg {
  std::string core_uuid;
  std::string switchname;
  std::string state = "CS_REPORTING";
  int state_number = 11;
  bool inbound = true;  // channel_data.direction
  // Every channel variable in order, raw; URL-encoded on output.
  std::vector<std::pair<std::string, std::string>> variables;
  // Legs that ran the dialplan have an `extension` (name/number = the
  // dialled number) listing `applications`; originated legs have none.
  bool hit_dialplan = true;
  std::vector<CdrApplication> applications;
  CdrProfile profile;
  // The caller profile's index: "2" once a transfer gave the leg a new
  // profile (a PIN call's A leg; only that newest profile is written).
  std::string profile_index = "1";
  std::optional<CdrProfile> originator;  // B/C legs: the leg that originated this one
  std::optional<CdrProfile> originatee;  // A legs once bridged: the leg they were connected to
  CdrTimes times;
};

// The document: one line of JSON without the trailing newline. Bytes that
// are not UTF-8 (in variable names; values are URL-encoded) become U+FFFD.
std::string BuildJsonCdr(const JsonCdrLeg& leg);

// "<uuid>.cdr.json", or "a_<uuid>.cdr.json" for an A leg when `prefix_a_leg`
// (mod_json_cdr's prefix-a-leg).
std::string JsonCdrFileName(std::string_view uuid, bool a_leg, bool prefix_a_leg);

// Writes `document` + "\n" to <dir>/<file_name> the way mod_json_cdr does:
// straight into the final name (created 0666 less the umask, truncated),
// the document and then the newline, so a reader can see a partial file.
// InvalidArgument when `file_name` is empty, starts with '.' or holds a '/'
// (a leg uuid must not escape `dir`); Internal naming the path and the errno
// text when a write fails (the file is removed).
base::Status WriteJsonCdrFile(const std::string& dir, const std::string& file_name, std::string_view document);

}  // namespace tarifador::sim
