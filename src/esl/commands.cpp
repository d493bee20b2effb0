#include "esl/commands.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace tarifador::esl {
namespace {

bool IsCommandSafe(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u != 0x7f;
}

bool IsWordChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f;
}

// For messages: shows control bytes as '?' and cuts long text.
std::string Shown(std::string_view s, size_t max = 80) {
  std::string out;
  for (char c : s.substr(0, max)) out += IsCommandSafe(c) ? c : '?';
  if (s.size() > max) out += "...";
  return out;
}

base::Status CheckUuid(std::string_view what, std::string_view uuid) {
  if (uuid.empty()) return base::InvalidArgument(std::string(what) + ": the channel uuid is empty");
  if (uuid.size() > 128) return base::InvalidArgument(std::string(what) + ": the channel uuid is longer than 128");
  for (char c : uuid) {
    if (!IsWordChar(c)) {
      return base::InvalidArgument(std::string(what) + ": channel uuid \"" + Shown(uuid) +
                                   "\" holds a space or control character");
    }
  }
  return base::Status::Ok();
}

base::Status CheckCause(std::string_view what, std::string_view cause) {
  const bool ok = !cause.empty() && cause.size() <= 64 && std::all_of(cause.begin(), cause.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!ok) {
    return base::InvalidArgument(std::string(what) + ": hangup cause \"" + Shown(cause) +
                                 "\" is not a cause name like CALL_REJECTED");
  }
  return base::Status::Ok();
}

std::string TrimTrailingNewlines(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

std::vector<std::string> DefaultEventNames() {
  return {"CHANNEL_CREATE",          "CHANNEL_ANSWER",  "CHANNEL_BRIDGE", "CHANNEL_HANGUP",
          "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY", "HEARTBEAT",      "BACKGROUND_JOB"};
}

base::Result<std::string> AuthCommand(std::string_view password) {
  if (password.empty()) return base::InvalidArgument("event socket password (freeswitch.password): must not be empty");
  if (password.find_first_of("\r\n") != std::string_view::npos) {
    return base::InvalidArgument("event socket password (freeswitch.password): must not contain line breaks");
  }
  return "auth " + std::string(password) + "\n\n";
}

base::Result<std::string> EventSubscribeCommand(const std::vector<std::string>& names) {
  if (names.empty()) return base::InvalidArgument("event subscription: the list of events is empty");
  bool all = false, heartbeat = false, background_job = false;
  std::string cmd = "event plain";
  for (const std::string& name : names) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsWordChar)) {
      return base::InvalidArgument("event subscription: event name \"" + Shown(name) +
                                   "\" is empty or holds a space or control character");
    }
    all = all || name == "ALL";
    heartbeat = heartbeat || name == "HEARTBEAT";
    background_job = background_job || name == "BACKGROUND_JOB";
    cmd += ' ';
    cmd += name;
  }
  if (!all && !heartbeat) {
    return base::InvalidArgument("event subscription: HEARTBEAT is missing; the link's liveness check needs it");
  }
  if (!all && !background_job) {
    return base::InvalidArgument("event subscription: BACKGROUND_JOB is missing; bgapi results arrive as it");
  }
  return cmd + "\n\n";
}

base::Result<std::string> BgapiCommand(std::string_view command, std::string_view job_uuid) {
  if (command.empty() || command.front() == ' ') {
    return base::InvalidArgument("bgapi: the command \"" + Shown(command) + "\" is empty or starts with a space");
  }
  if (!std::all_of(command.begin(), command.end(), IsCommandSafe)) {
    return base::InvalidArgument("bgapi: the command \"" + Shown(command) +
                                 "\" holds a line break or control character");
  }
  const bool id_ok =
      !job_uuid.empty() && job_uuid.size() <= 36 && std::all_of(job_uuid.begin(), job_uuid.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
      });
  if (!id_ok) return base::InvalidArgument("bgapi: Job-UUID \"" + Shown(job_uuid) + "\" is not 1..36 of [0-9A-Za-z-]");
  std::string out;
  out.reserve(command.size() + job_uuid.size() + 20);
  out.append("bgapi ").append(command).append("\nJob-UUID: ").append(job_uuid).append("\n\n");
  return out;
}

base::Result<std::string> UuidKillCommand(std::string_view uuid, std::string_view cause) {
  TARIFADOR_RETURN_IF_ERROR(CheckUuid("uuid_kill", uuid));
  TARIFADOR_RETURN_IF_ERROR(CheckCause("uuid_kill", cause));
  return "uuid_kill " + std::string(uuid) + " " + std::string(cause);
}

base::Result<std::string> SchedHangupCommand(int64_t seconds, std::string_view uuid, std::string_view cause) {
  if (seconds < 1) {
    return base::InvalidArgument("sched_hangup: " + std::to_string(seconds) +
                                 " seconds is not at least 1 (the hangup would be immediate)");
  }
  if (seconds > 2147483647) {
    return base::InvalidArgument("sched_hangup: " + std::to_string(seconds) + " seconds is more than 2147483647");
  }
  TARIFADOR_RETURN_IF_ERROR(CheckUuid("sched_hangup", uuid));
  TARIFADOR_RETURN_IF_ERROR(CheckCause("sched_hangup", cause));
  // The '+' makes the time relative (mod_commands.c sched_hangup); never drop it.
  return "sched_hangup +" + std::to_string(seconds) + " " + std::string(uuid) + " " + std::string(cause);
}

// mod_commands' answer for a uuid it does not know (checked on 1.10.12:
// ../shared/fixtures/esl/freeswitch-1.10.12/api-replies.txt).
constexpr std::string_view kNoSuchChannel = "-ERR No such channel!";

base::Result<std::string> JobResult(std::string_view command, std::string body) {
  if (StartsWith(body, kNoSuchChannel)) {
    return base::NotFound("bgapi \"" + Shown(command) + "\": FreeSWITCH answered \"" + TrimTrailingNewlines(body) +
                          "\"");
  }
  if (StartsWith(body, "-ERR")) {
    return base::FailedPrecondition("bgapi \"" + Shown(command) + "\": FreeSWITCH answered \"" +
                                    TrimTrailingNewlines(body) + "\"");
  }
  if (StartsWith(body, "-USAGE")) {
    return base::InvalidArgument("bgapi \"" + Shown(command) + "\": FreeSWITCH answered \"" +
                                 TrimTrailingNewlines(body) + "\"");
  }
  return body;
}

namespace {

// A column value as text: FreeSWITCH writes strings; tolerate numbers and null.
std::string Text(const nlohmann::json& row, const char* key) {
  const auto it = row.find(key);
  if (it == row.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

}  // namespace

base::Result<std::vector<ChannelRow>> ParseShowChannelsJson(std::string_view body) {
  const std::string what = "show channels as json";
  try {
    const nlohmann::json doc = nlohmann::json::parse(body);
    if (!doc.is_object()) return base::InvalidArgument(what + ": the answer is not a JSON object");
    const auto count_it = doc.find("row_count");
    if (count_it == doc.end() || !count_it->is_number_integer() || count_it->get<int64_t>() < 0) {
      return base::InvalidArgument(what + ": \"row_count\" is missing or not a whole number >= 0");
    }
    const auto row_count = count_it->get<int64_t>();
    std::vector<ChannelRow> rows;
    const auto rows_it = doc.find("rows");
    if (rows_it != doc.end()) {
      if (!rows_it->is_array()) return base::InvalidArgument(what + ": \"rows\" is not an array");
      rows.reserve(rows_it->size());
      for (size_t i = 0; i < rows_it->size(); ++i) {
        const nlohmann::json& r = (*rows_it)[i];
        const std::string where = what + ": row " + std::to_string(i + 1);
        if (!r.is_object()) return base::InvalidArgument(where + " is not an object");
        ChannelRow row;
        row.uuid = Text(r, "uuid");
        if (row.uuid.empty()) return base::InvalidArgument(where + " has no \"uuid\"");
        row.direction = Text(r, "direction");
        const std::string epoch = Text(r, "created_epoch");
        if (!epoch.empty()) {
          const auto [end, ec] = std::from_chars(epoch.data(), epoch.data() + epoch.size(), row.created_epoch);
          if (ec != std::errc() || end != epoch.data() + epoch.size()) {
            return base::InvalidArgument(where + " (" + row.uuid + "): created_epoch \"" + Shown(epoch) +
                                         "\" is not a whole number");
          }
        }
        row.name = Text(r, "name");
        row.state = Text(r, "state");
        row.cid_name = Text(r, "cid_name");
        row.cid_num = Text(r, "cid_num");
        row.dest = Text(r, "dest");
        row.context = Text(r, "context");
        row.accountcode = Text(r, "accountcode");
        row.callstate = Text(r, "callstate");
        row.call_uuid = Text(r, "call_uuid");
        row.presence_id = Text(r, "presence_id");
        row.hostname = Text(r, "hostname");
        rows.push_back(std::move(row));
      }
    }
    if (static_cast<int64_t>(rows.size()) != row_count) {
      return base::InvalidArgument(what + ": row_count is " + std::to_string(row_count) + " but " +
                                   std::to_string(rows.size()) + " rows are listed");
    }
    return rows;
  } catch (const nlohmann::json::exception& e) {
    return base::InvalidArgument(what + ": the answer is not valid JSON: " + e.what());
  }
}

}  // namespace tarifador::esl
