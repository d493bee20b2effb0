#include "app/esl_call_control.h"

#include <string>
#include <utility>

#include "base/log.h"
#include "esl/commands.h"

namespace tarifador::app {

base::Status EslCallControl::Send(base::Result<std::string> command, const billing::CallId& call) {
  if (!command.ok()) return command.status();
  esl::Client* client = client_.load();
  if (client == nullptr) return base::Unavailable("no FreeSWITCH link: \"" + *command + "\" not sent");
  if (client->status().state != esl::LinkState::kUp) {
    return base::Unavailable("the FreeSWITCH link is down: \"" + *command + "\" not sent");
  }
  sent_.fetch_add(1);
  client->Bgapi(*command, [this, cmd = *command, call](base::Result<std::string> result) {
    if (!result.ok() && result.status().code() == base::StatusCode::kNotFound) {
      base::LogInfo("FreeSWITCH: \"" + cmd + "\": the channel is gone");
      if (gone_) gone_(call);
    } else if (!result.ok()) {
      base::LogWarning("FreeSWITCH: \"" + cmd + "\" failed: " + result.status().message());
    } else {
      base::LogDebug("FreeSWITCH: \"" + cmd + "\": " + *result);
    }
  });
  return base::Status::Ok();
}

base::Status EslCallControl::Kill(const billing::CallId& call, std::string_view cause) {
  return Send(esl::UuidKillCommand(call.value, cause), call);
}

base::Status EslCallControl::ScheduleHangup(const billing::CallId& call, int64_t seconds_from_now,
                                            std::string_view cause) {
  return Send(esl::SchedHangupCommand(seconds_from_now, call.value, cause), call);
}

}  // namespace tarifador::app
