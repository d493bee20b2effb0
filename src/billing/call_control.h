#pragma once
// CallControl: the one thing billing asks of the switch — end a call now or at
// a time. The app implements it over ESL (`bgapi uuid_kill <uuid> <cause>`,
// `bgapi sched_hangup +<seconds> <uuid> <cause>`); tests use a strict fake.
#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "billing/ids.h"

namespace tarifador::billing {

// Hangup causes billing uses (FreeSWITCH cause names, Q.850 where one fits).
inline constexpr std::string_view kCauseBarred = "OUTGOING_CALL_BARRED";         // unknown/disabled extension, blocked
inline constexpr std::string_view kCauseNoRoute = "NO_ROUTE_DESTINATION";        // no rate for the destination
inline constexpr std::string_view kCauseNoFunds = "CALL_REJECTED";               // not enough money to start
inline constexpr std::string_view kCauseOutOfTime = "ALLOTTED_TIMEOUT";          // the paid-for time is over
inline constexpr std::string_view kCauseStoreDown = "NORMAL_TEMPORARY_FAILURE";  // money could not be checked
inline constexpr std::string_view kCauseCongestion = "SWITCH_CONGESTION";        // too many calls tracked already
// A CDR's cause when FreeSWITCH never told it (the call ended while the link
// was down): Q.850 31, "normal, unspecified". A CDR never has an empty cause.
inline constexpr std::string_view kCauseUnknown = "NORMAL_UNSPECIFIED";

class CallControl {
 public:
  virtual ~CallControl() = default;

  // Hangs `call` up now with `cause`. Returns promptly (the command is queued,
  // not awaited); fails with Unavailable when the switch link is down.
  virtual base::Status Kill(const CallId& call, std::string_view cause) = 0;

  // Hangs `call` up `seconds_from_now` (>= 1) seconds from now, counted by
  // the switch, so it happens even if tarifador is down meanwhile. Each call
  // adds one more scheduled hangup (FreeSWITCH cannot move an existing one);
  // the earliest wins. The implementation must send the relative form
  // (`sched_hangup +N`): a bare N is an absolute epoch and hangs up at once.
  // Fails like Kill.
  virtual base::Status ScheduleHangup(const CallId& call, int64_t seconds_from_now, std::string_view cause) = 0;
};

}  // namespace tarifador::billing
