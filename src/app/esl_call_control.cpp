#include "app/esl_call_control.h"

#include <string>
#include <utility>

#include "base/log.h"
#include "esl/commands.h"

namespace tarifador::app {

base::Status EslCallControl::Send(base::Result<std::string> command) {
  if (!command.ok()) return command.status();
  esl::Client* client = client_.load();
  if (client == nullptr) return base::Unavailable("no FreeSWITCH link: \"" + *command + "\" not sent");
  if (client->status().state != esl::LinkState::kUp) {
    return base::Unavailable("the FreeSWITCH link is down: \"" + *command + "\" not sent");
  }
  client->Bgapi(*command, [cmd = *command](base::Result<std::string> result) {
    if (!result.ok()) {
      base::LogWarning("FreeSWITCH: \"" + cmd + "\" failed: " + result.status().message());
    } else {
      base::LogDebug("FreeSWITCH: \"" + cmd + "\": " + *result);
    }
  });
  return base::Status::Ok();
}

base::Status EslCallControl::Kill(const billing::CallId& call, std::string_view cause) {
  return Send(esl::UuidKillCommand(call.value, cause));
}

base::Status EslCallControl::ScheduleHangup(const billing::CallId& call, int64_t seconds_from_now,
                                            std::string_view cause) {
  return Send(esl::SchedHangupCommand(seconds_from_now, call.value, cause));
}

}  // namespace tarifador::app
