#pragma once
// The one FreeSWITCH bridge (STYLE.md, app): what billing needs from an ESL
// event or a `show channels` row, in billing's own types. Used for the live
// event socket and for the mod_json_cdr backfill (esl::JsonCdrToEvent makes
// the same headers), so both bill the same way.
#include <cstdint>
#include <optional>

#include "billing/call_event.h"
#include "billing/call_tracker.h"
#include "esl/commands.h"
#include "esl/event.h"

namespace tarifador::app {

// The billing view of a channel event: CHANNEL_CREATE, _ANSWER, _BRIDGE,
// _HANGUP and _HANGUP_COMPLETE (ESL-NOTES section 3); nullopt for every other
// event (HEARTBEAT, CHANNEL_DESTROY, other clients' BACKGROUND_JOBs ...) and
// for a channel event without a Unique-ID. Numbers that do not parse are
// taken as 0 ("did not happen"), as FreeSWITCH itself writes them.
std::optional<billing::CallEvent> CallEventFromEsl(const esl::Event& event);

// The CHANNEL_CREATE of a call as the dialplan's outbound socket describes it:
// the channel data FreeSWITCH answers `connect` with (Event-Name
// CHANNEL_DATA, the same Caller-* headers and variables as the live event).
// nullopt for anything else or without a Unique-ID.
std::optional<billing::CallEvent> CreateFromChannelData(const esl::Event& event);

// The event's Event-Date-Timestamp (epoch microseconds on FreeSWITCH's
// clock), 0 when absent or not a number: what any event, HEARTBEATs too,
// tells of FreeSWITCH's time (billing::SwitchClock).
int64_t EventStampMicros(const esl::Event& event);

// A `show channels as json` row as CallTracker::Reconcile wants it.
billing::CallTracker::LiveChannel LiveChannelFromRow(const esl::ChannelRow& row);

}  // namespace tarifador::app
