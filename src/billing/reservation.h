#pragma once
// A reservation (SPEC section 4): money held against an account for a live
// outbound call, so concurrent calls of one account can never spend more than
// it has. It covers the call's cost up to `covered_s` billable seconds and
// grows one debit interval at a time; billing the call releases it.
#include <cstdint>

#include "base/money.h"
#include "base/time.h"
#include "billing/ids.h"

namespace tarifador::billing {

struct Reservation {
  CallId call;
  AccountId account_id;
  base::Money amount;     // the cost of `covered_s` connected seconds; >= 0
  int64_t covered_s = 0;  // billable seconds the amount pays for
  base::Instant created_at;
  base::Instant updated_at;

  bool operator==(const Reservation&) const = default;
};

}  // namespace tarifador::billing
