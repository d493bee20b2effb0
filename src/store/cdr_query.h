#pragma once
// Reading CDRs for people (SPEC sections 4 and 10, docs/API.md "CDRs and
// reports"): filtered search with keyset pagination, one CDR, a streamed
// walk for the CSV export, and the report aggregations. Reads only, on
// ReadPool connections (WAL: never waits for the writer, never makes it
// wait). Indexes that keep the filters fast: sql/0006_cdr_search.sql.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/money.h"
#include "base/status.h"
#include "base/time.h"
#include "billing/cdr.h"
#include "billing/ids.h"
#include "store/read_pool.h"

namespace tarifador::store {

// Which CDRs. Every member is optional; the set ones are ANDed.
struct CdrFilter {
  std::optional<base::Instant> from;     // start >= from
  std::optional<base::Instant> to;       // start < to (exclusive)
  std::optional<std::string> extension;  // caller == extension
  std::optional<billing::AccountId> account_id;
  std::optional<billing::Direction> direction;
  std::optional<std::string> zone;
  std::optional<std::string> prefix;  // normalised_number starts with it ("" matches all)
  std::optional<billing::Disposition> disposition;
  std::optional<base::Money> min_cost;  // cost >= min_cost
};

// One page of a search: newest first, and the cursor of the next page
// (nullopt on the last page).
struct CdrPage {
  std::vector<billing::Cdr> items;
  std::optional<std::string> next_cursor;
};

// Report grouping.
enum class ReportGroup { kExtension, kAccount, kZone };
// "extension", "account", "zone".
const char* ReportGroupName(ReportGroup group);
base::Result<ReportGroup> ParseReportGroup(std::string_view text);

// Sums over a set of CDRs. "answered": disposition answered.
struct CdrTotals {
  int64_t calls = 0;
  int64_t answered = 0;
  int64_t billsec = 0;
  int64_t billable_seconds = 0;
  base::Money cost;
};

struct SummaryRow {
  // extension: the caller; account: the account id as text ("" for CDRs
  // without an account); zone: the zone ("" for unrated calls).
  std::string key;
  // extension: the extension's name; account: the account's name; "" when
  // the key names nothing (an outside caller, a deleted row) and for zones.
  std::string name;
  CdrTotals totals;
};

struct Summary {
  std::vector<SummaryRow> rows;  // cost descending, then key ascending
  CdrTotals totals;              // over every row
};

// One local hour of a day.
struct HourBucket {
  base::Instant start;  // the local hour's first instant
  CdrTotals totals;
};

// Hours of one local day: 24, or 23/25 on DST change days.
struct HourlyReport {
  std::vector<HourBucket> hours;
  CdrTotals totals;
};

// Thread-safe: every call leases its own connection. Borrows `reads`, which
// must outlive it. SQLite failures come back as Unavailable, a stored value
// this binary cannot read as Internal.
class CdrQuery {
 public:
  explicit CdrQuery(ReadPool& reads) : reads_(reads) {}

  // Matching CDRs, newest first (start DESC, uuid DESC: a total order, so
  // pages neither repeat nor skip rows, even when CDRs are inserted between
  // pages). `limit` 1..kMaxLimit, else InvalidArgument. `cursor`: a previous
  // page's next_cursor (opaque), or nullopt for the first page; a cursor
  // that is not one is InvalidArgument.
  static constexpr int64_t kMaxLimit = 1000;
  base::Result<CdrPage> Search(const CdrFilter& filter, int64_t limit, const std::optional<std::string>& cursor) const;

  // One CDR by its uuid; NotFound when there is none.
  base::Result<billing::Cdr> Get(const billing::CallId& uuid) const;

  // Calls `each` with every matching CDR, oldest first (start ASC, uuid ASC),
  // streaming: one row in memory at a time, whatever the count. Stops at, and
  // returns, the first failure of `each`. The whole walk sees one snapshot of
  // the store (one read transaction): CDRs written meanwhile are not seen.
  // Keep `each` quick-ish: a long walk holds back WAL checkpoints.
  base::Status ForEach(const CdrFilter& filter, const std::function<base::Status(const billing::Cdr&)>& each) const;

  // Totals per extension (caller), account or zone of the CDRs started in
  // [from, to), names joined from extensions/accounts.
  base::Result<Summary> Summarize(base::Instant from, base::Instant to, ReportGroup group) const;

  // Totals per local hour (office time zone, base/local_time.h) of the
  // local day year-month-day. InvalidArgument for an invalid date.
  base::Result<HourlyReport> Hourly(int year, int month, int day) const;

  // The cursor text for a position (exposed for tests).
  static std::string EncodeCursor(int64_t start_us, std::string_view uuid);

 private:
  ReadPool& reads_;
};

}  // namespace tarifador::store
