#pragma once
// CDRs in memory as an exports::CdrSource, for the export tests (the store's
// own source is tested in tests/unit/app with a real store file).
#include <algorithm>
#include <string>
#include <vector>

#include "export/cdr_source.h"

namespace tarifador::exports::testing {

class MemorySource final : public CdrSource {
 public:
  void Add(billing::Cdr cdr) {
    cdrs_.push_back(std::move(cdr));
    std::sort(cdrs_.begin(), cdrs_.end(), [](const billing::Cdr& a, const billing::Cdr& b) {
      return a.start_us != b.start_us ? a.start_us < b.start_us : a.uuid.value < b.uuid.value;
    });
  }
  base::Status ForEachStartedIn(base::Instant from, base::Instant to, const CdrVisitor& visit) const override {
    for (const billing::Cdr& c : cdrs_) {
      if (c.start_us < from.micros() || c.start_us >= to.micros()) continue;
      TARIFADOR_RETURN_IF_ERROR(visit(c));
    }
    return fail_;
  }
  base::Result<std::optional<base::Instant>> FirstStart() const override {
    if (cdrs_.empty()) return std::optional<base::Instant>();
    return std::optional<base::Instant>(base::Instant::FromMicros(cdrs_.front().start_us));
  }
  // Makes every walk fail after its rows (a store that broke mid-read).
  void FailWith(base::Status s) { fail_ = std::move(s); }

 private:
  std::vector<billing::Cdr> cdrs_;
  base::Status fail_;
};

// An answered outbound call starting at `start_us`, 65 s long.
inline billing::Cdr SampleCdr(std::string uuid, int64_t start_us) {
  billing::Cdr c;
  c.uuid.value = std::move(uuid);
  c.site_id = "hq";
  c.direction = billing::Direction::kOutbound;
  c.caller = "1001";
  c.caller_name = "Alice";
  c.account_id = billing::AccountId{7};
  c.destination = "0034911234567";
  c.normalised = "34911234567";
  c.zone = "Spain";
  c.prefix = "3491";
  c.rate_plan = "default";
  c.price_per_minute = base::Money::FromMicros(12'340'000);
  c.start_us = start_us;
  c.answer_us = start_us + 5'000'000;
  c.end_us = start_us + 70'000'000;
  c.duration_s = 70;
  c.billsec = 65;
  c.billusec = 65'000'000;
  c.billable_seconds = 66;
  c.cost = base::Money::FromMicros(13'574'000);
  c.charged = c.cost;
  c.hangup_cause = "NORMAL_CLEARING";
  c.disposition = billing::Disposition::kAnswered;
  c.gateway = "gw1";
  return c;
}

}  // namespace tarifador::exports::testing
