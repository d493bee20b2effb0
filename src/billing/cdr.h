#pragma once
// The call detail record (SPEC section 4): one per call, written once, in the
// same transaction as the call's ledger charge.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/money.h"
#include "base/status.h"
#include "billing/ids.h"

namespace tarifador::billing {

enum class Direction {
  kOutbound,  // extension -> outside: authorized, reserved, charged
  kInternal,  // extension -> extension: cost 0
  kInbound,   // outside -> extension: cost 0 unless inbound rating is on
};

enum class Disposition {
  kAnswered,
  kNoAnswer,
  kBusy,
  kFailed,
  kDenied,         // refused by authorization (never connected)
  kCutOffNoFunds,  // hung up by tarifador because the money ran out
};

// "outbound", "internal", "inbound".
const char* DirectionName(Direction d);
base::Result<Direction> ParseDirection(std::string_view text);
// "answered", "no_answer", "busy", "failed", "denied", "cut_off_no_funds".
const char* DispositionName(Disposition d);
base::Result<Disposition> ParseDisposition(std::string_view text);

struct Cdr {
  CallId uuid;                      // the originating leg's Unique-ID: the key
  std::vector<std::string> linked;  // the other legs' uuids
  std::string site_id;
  Direction direction = Direction::kOutbound;
  std::string caller;                   // caller extension (or outside number on inbound)
  std::string caller_name;              //
  std::optional<AccountId> account_id;  // the account charged (or that would have been)
  std::string destination;              // as dialled
  std::string normalised;               // what rating matched
  std::string zone;
  std::string prefix;  // matched prefix
  std::string rate_plan;
  base::Money price_per_minute;
  base::Money connection_fee;
  // Times in epoch microseconds UTC; 0 when it did not happen.
  int64_t start_us = 0;          // channel created
  int64_t answer_us = 0;         // originating leg answered
  int64_t bridge_us = 0;         // bridged to the far end
  int64_t end_us = 0;            // hung up
  int64_t duration_s = 0;        // end - start, whole seconds
  int64_t billsec = 0;           // ConnectedBillsec(): what is rated
  int64_t billusec = 0;          // the same connected time in microseconds, for disputes
  int64_t billable_seconds = 0;  // billsec brought to the rate's increments
  base::Money cost;              // the rated cost (0 for internal, denied, unanswered)
  // What the ledger was actually charged. Equal to cost, except when a call
  // outran its reservation and the account could not cover all of it: then
  // the charge stops at what the account may spend, and cost - charged is
  // recorded here as uncollected rather than breaking the balance floor.
  base::Money charged;
  std::string hangup_cause;
  Disposition disposition = Disposition::kFailed;
  std::string deny_reason;  // AuthorizationReason name when denied
  std::string gateway;
  // A PIN call (docs/BILLING.md "PIN codes"): the code's number and owner
  // (whose account paid); never the digits. Empty otherwise.
  std::string pin_id;
  std::string pin_owner;

  bool operator==(const Cdr&) const = default;
};

}  // namespace tarifador::billing
