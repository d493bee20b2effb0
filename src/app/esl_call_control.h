#pragma once
// billing::CallControl over the ESL client: `bgapi uuid_kill` and
// `bgapi sched_hangup +N` (SPEC section 4; never `api`, which would stop
// event delivery while it runs, ESL-NOTES section 1).
#include <atomic>
#include <cstdint>
#include <functional>
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

  // Told, on the ESL reader, of a leg FreeSWITCH answered "-ERR No such
  // channel!" about: the channel is gone. Set before Attach().
  using GoneCallback = std::function<void(const billing::CallId&)>;
  void OnChannelGone(GoneCallback gone) { gone_ = std::move(gone); }

  // Queue the command and return; the BACKGROUND_JOB's answer is logged,
  // and "-ERR No such channel!" goes to the GoneCallback (the channel
  // ended; if billing still tracks it, its end was lost). Unavailable when the link is not up: commands are not queued
  // across reconnects (a stale kill can do harm); the reconcile after the
  // reconnect decides again.
  base::Status Kill(const billing::CallId& call, std::string_view cause) override;
  base::Status ScheduleHangup(const billing::CallId& call, int64_t seconds_from_now, std::string_view cause) override;

  // Commands handed to the link so far (for tests that wait until the switch
  // has carried them out).
  uint64_t sent() const { return sent_.load(); }

 private:
  base::Status Send(base::Result<std::string> command, const billing::CallId& call);

  GoneCallback gone_;
  std::atomic<uint64_t> sent_{0};
  std::atomic<esl::Client*> client_{nullptr};
};

}  // namespace tarifador::app
