#pragma once
// The exact text of every command tarifador sends over the event socket, and
// the parsing of what comes back (ESL-NOTES sections 2 and 4). Pure functions:
// no I/O, thread-safe, testable byte for byte.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tarifador::esl {

// The events a biller needs, in the order they are subscribed (ESL-NOTES
// section 3): CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP
// CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY HEARTBEAT BACKGROUND_JOB.
std::vector<std::string> DefaultEventNames();

// "auth <password>\n\n" (ESL-NOTES section 2, step 3). Fails with
// InvalidArgument when the password is empty or holds CR or LF (the server
// would end the command at the line break).
base::Result<std::string> AuthCommand(std::string_view password);

// "event plain <NAME> <NAME>...\n\n": ONE command for the whole list. Fails
// with InvalidArgument when the list is empty, a name is empty or holds
// whitespace or control characters, or HEARTBEAT (liveness) or BACKGROUND_JOB
// (bgapi results) is missing, unless ALL is listed. Subclass names follow
// "CUSTOM" as their own entries ("CUSTOM", "sofia::register"). Never a
// `filter`: one filter silences HEARTBEAT and BACKGROUND_JOB (ESL-NOTES 2.4).
base::Result<std::string> EventSubscribeCommand(const std::vector<std::string>& names);

// "bgapi <command>\nJob-UUID: <job_uuid>\n\n". FreeSWITCH copies the job id
// into a 37-byte buffer (mod_event_socket.c, bgapi), so it must be 1..36
// characters of [0-9A-Za-z-]; the command must be non-empty, single-line and
// must not start with a space. Fails with InvalidArgument otherwise.
base::Result<std::string> BgapiCommand(std::string_view command, std::string_view job_uuid);

// "uuid_kill <uuid> <cause>" (mod_commands; ESL-NOTES section 4). The uuid is
// 1..128 printable ASCII characters without spaces; the cause is a
// FreeSWITCH hangup cause name such as CALL_REJECTED (1..64 of [A-Za-z0-9_]).
// Fails with InvalidArgument naming the bad argument.
base::Result<std::string> UuidKillCommand(std::string_view uuid, std::string_view cause);

// "sched_hangup +<seconds> <uuid> <cause>", ALWAYS with the '+': a bare
// number is read as an absolute epoch time and a small one hangs up at once
// (ESL-NOTES section 4). Fails with InvalidArgument when seconds < 1 or
// > 2147483647 (FreeSWITCH parses it with atol, 32 bits on small routers), or
// the uuid or cause is invalid (as for UuidKillCommand).
base::Result<std::string> SchedHangupCommand(int64_t seconds, std::string_view uuid, std::string_view cause);

inline constexpr std::string_view kShowChannelsJsonCommand = "show channels as json";

// Maps the output of a bgapi job (the BACKGROUND_JOB event body) to a result.
// "-ERR No such channel!" (uuid_kill, sched_hangup and the other uuid_*
// commands on a channel FreeSWITCH no longer has) fails with NotFound, any
// other body starting with "-ERR" with FailedPrecondition, one starting
// with "-USAGE" with InvalidArgument; the message is `bgapi "<command>":
// FreeSWITCH answered "<body without its trailing newline>"`. Any other body
// ("+OK\n", JSON, text) is returned unchanged.
base::Result<std::string> JobResult(std::string_view command, std::string body);

// One row of `show channels as json` (columns from FreeSWITCH's channels
// table, switch_core_sqldb.c). Every value is text in the JSON except that
// created_epoch is converted; absent columns stay empty.
struct ChannelRow {
  std::string uuid;
  std::string direction;      // relative to FreeSWITCH: "inbound" | "outbound"
  int64_t created_epoch = 0;  // seconds since the Unix epoch
  std::string name;           // channel name, e.g. sofia/internal/1001@pbx
  std::string state;          // CS_EXECUTE ...
  std::string cid_name;
  std::string cid_num;
  std::string dest;
  std::string context;
  std::string accountcode;
  std::string callstate;  // RINGING, EARLY, ACTIVE, HELD, HANGUP ...
  std::string call_uuid;  // the A leg's uuid on a B leg (Channel-Call-UUID)
  std::string presence_id;
  std::string hostname;

  bool operator==(const ChannelRow&) const = default;
};

// Parses `{"row_count":N,"rows":[{...},...]}` and the zero-row form
// `{"row_count": 0}` (FreeSWITCH leaves "rows" out, mod_commands.c). Fails
// with InvalidArgument saying what is wrong: not JSON, not an object, a
// missing or negative row_count, rows not an array of objects, a row without
// "uuid", a created_epoch that is not a whole number, or row_count disagreeing
// with the number of rows.
base::Result<std::vector<ChannelRow>> ParseShowChannelsJson(std::string_view body);

}  // namespace tarifador::esl
