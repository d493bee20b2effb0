#include "billing/repository.h"

#include <algorithm>

namespace tarifador::billing {

base::Money ChargeableAmount(const Account& account_after_release, base::Money cost) {
  const base::Money available = AvailableMoney(account_after_release);
  if (available.is_negative() || cost.is_negative()) return base::Money();
  return std::min(cost, available);
}

}  // namespace tarifador::billing
