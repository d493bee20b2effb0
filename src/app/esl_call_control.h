#pragma once
// billing::CallControl over the ESL client: `bgapi uuid_kill` and
// `bgapi sched_hangup +N` (SPEC section 4; never `api`, which would stop
// event delivery while it runs, ESL-NOTES section 1).
#include <atomic>
#include <cstdint>
#include <string_view>

#include "billing/call_control.h"
#include "esl/client.h"

namespace tarifador::app {

class EslCallControl final : public billing::CallControl {
 public:
  // The client is attached after construction because it is built with
  // callbacks that reach the billing loop, which needs this control first.
  // Until then every command fails with Unavailable.
  void Attach(esl::Client* client) { client_.store(client); }

  // Queue the command and return; the BACKGROUND_JOB's answer is only
  // logged (a kill of a channel that has just ended answers -ERR, which is
  // harmless). Unavailable when the link is not up: commands are not queued
  // across reconnects (a stale kill can do harm); the reconcile after the
  // reconnect decides again.
  base::Status Kill(const billing::CallId& call, std::string_view cause) override;
  base::Status ScheduleHangup(const billing::CallId& call, int64_t seconds_from_now, std::string_view cause) override;

 private:
  base::Status Send(base::Result<std::string> command);

  std::atomic<esl::Client*> client_{nullptr};
};

}  // namespace tarifador::app
