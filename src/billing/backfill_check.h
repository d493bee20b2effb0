#pragma once
// What a backfill (a mod_json_cdr POST, `tarifador cdr import`) must look
// like before it is billed. A CDR FreeSWITCH wrote always passes; one that
// is forged or broken (end before start, an answer before the call existed,
// a billsec of years, a call from 1970 or next year) is refused with an
// error saying what is wrong, and bills nothing. Live events are not checked:
// they come from the switch over its authenticated socket.
#include <cstdint>

#include "base/status.h"
#include "base/time.h"
#include "billing/call_event.h"

namespace tarifador::billing {

struct BackfillLimits {
  // billing.max_call_seconds: the longest connected time a CDR may bill.
  int64_t max_call_seconds = 86'400;
  // A call that started longer ago than this (on FreeSWITCH's clock) is
  // refused: a POST about a call a year old is not mod_json_cdr's retry, and
  // a start at epoch 1 would make exports walk 56 years of periods. 0: no
  // such limit (`tarifador cdr import`, where an operator backfills old
  // err-log files on purpose).
  int64_t max_age_s = 400 * 86'400;
  // Whatever max_age_s says, no call started before 2000-01-01.
  static constexpr int64_t kNotBeforeUs = 946'684'800'000'000;
  // A call that ends further ahead of FreeSWITCH's now than this is refused.
  int64_t max_ahead_s = 86'400;
};

// InvalidArgument naming the leg and what is wrong, or OK. `switch_now` is
// FreeSWITCH's time as billing knows it (billing::SwitchClock; the box's
// clock offline). Only the originating leg's times matter (other legs are
// never billed): other legs always pass. Pure; thread-safe.
base::Status CheckBackfillTimes(const CallEvent& event, base::Instant switch_now, const BackfillLimits& limits);

}  // namespace tarifador::billing
