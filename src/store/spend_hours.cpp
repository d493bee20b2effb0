#include "store/spend_hours.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "base/json_parse.h"
#include "store/alert_store.h"
#include "store/write_job.h"

namespace tarifador::store {
namespace {

// The totals of each of `hours` (epoch hours), in order; zeros for hours
// without calls.
std::vector<billing::HourTotals> SpendHoursIn(SQLite::Database& db, std::span<const int64_t> hours) {
  SQLite::Statement st(db, "SELECT calls, cost_micros FROM spend_hours WHERE hour = ?");
  std::vector<billing::HourTotals> out;
  out.reserve(hours.size());
  for (int64_t hour : hours) {
    st.reset();
    st.bind(1, hour);
    billing::HourTotals t;
    if (st.executeStep()) {
      t.calls = st.getColumn(0).getInt64();
      t.cost = base::Money::FromMicros(st.getColumn(1).getInt64());
    }
    out.push_back(t);
  }
  return out;
}

// Drops the hours before `hour`: the detector looks back a week.
void PruneSpendHoursIn(SQLite::Database& db, int64_t hour) {
  SQLite::Statement st(db, "DELETE FROM spend_hours WHERE hour < ?");
  st.bind(1, hour);
  st.exec();
}

}  // namespace

void AddToSpendHourIn(SQLite::Database& db, int64_t start_us, base::Money charged) {
  SQLite::Statement st(db,
                       "INSERT INTO spend_hours(hour, calls, cost_micros) VALUES (?, 1, ?) "
                       "ON CONFLICT(hour) DO UPDATE SET calls = calls + 1, cost_micros = cost_micros + "
                       "excluded.cost_micros");
  st.bind(1, EpochHourOf(start_us));
  st.bind(2, static_cast<int64_t>(charged.micros()));
  st.exec();
}

base::Result<std::optional<billing::Spike>> RaiseSpendSpike(Writer& writer, base::Instant now,
                                                            const billing::SpikeOptions& options) {
  constexpr int kDays = 7;
  const int64_t current = EpochHourOf(now.micros());
  std::optional<billing::Spike> raised;
  base::Status s = WriteJob(writer, "checking for a spike of calls", [&](SQLite::Database& db) {
    PruneSpendHoursIn(db, current - 24 * (kDays + 1));
    // A call counts in the hour it started, once it has ended: the hour
    // before still grows while its calls end, so it is looked at again.
    for (const int64_t hour : {current - 1, current}) {
      std::vector<int64_t> hours{hour};
      for (int d = 1; d <= kDays; ++d) hours.push_back(hour - 24 * d);
      const std::vector<billing::HourTotals> totals = SpendHoursIn(db, hours);
      std::optional<billing::Spike> spike = billing::DetectSpike(totals.front(), std::span(totals).subspan(1), options);
      if (!spike) continue;
      const nlohmann::json detail = {{"measure", spike->measure},
                                     {"calls", spike->now.calls},
                                     {"cost", spike->now.cost.ToString()},
                                     {"usual_calls", spike->usual.calls},
                                     {"usual_cost", spike->usual.cost.ToString()},
                                     {"factor", options.factor},
                                     {"hour", base::FormatIso8601(base::Instant::FromMicros(hour * 3'600'000'000))}};
      if (RaiseAlertIn(db,
                       NewAlert{"spend_spike", "critical", "spend_spike:" + std::to_string(hour), std::nullopt,
                                base::DumpJson(detail)},
                       now)) {
        raised = std::move(spike);
      }
    }
    return base::Status::Ok();
  });
  if (!s.ok()) return s;
  return raised;
}

}  // namespace tarifador::store
