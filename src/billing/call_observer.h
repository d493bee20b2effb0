#pragma once
// CallObserver: what the billing thread tells whoever watches live calls (the
// web UI's event stream, wired by app). Billing owns the interface so it
// never depends on who listens (STYLE.md: billing knows no HTTP).
//
// Called on the billing thread after the change it reports is done: a call
// tracked (start), its far end answered (answer), its CDR and charge
// committed (end; never for a replayed HANGUP_COMPLETE of a call already
// billed). Implementations must be quick and must not block or call back
// into billing: hand the fact to a queue and return.
#include <optional>
#include <string>

#include "base/time.h"
#include "billing/authorizer.h"
#include "billing/cdr.h"
#include "billing/ids.h"

namespace tarifador::billing {

struct CallStarted {
  CallId call;
  Direction direction = Direction::kOutbound;
  std::string caller;
  std::string destination;
  std::optional<AccountId> account_id;
  base::Instant start_time;
};

struct CallAnswered {
  CallId call;
  base::Instant answer_time;
  std::optional<RatedDestination> rated;  // when the call is rated (outbound)
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual void OnCallStart(const CallStarted& call) = 0;
  virtual void OnCallAnswer(const CallAnswered& call) = 0;
  // `cdr` as stored, with what was charged.
  virtual void OnCallEnd(const Cdr& cdr) = 0;
};

}  // namespace tarifador::billing
