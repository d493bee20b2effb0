#include "store/cdr_query.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <utility>
#include <variant>

#include "base/base64.h"
#include "base/local_time.h"
#include "store/billing_repository.h"
#include "store/cdr_row.h"

namespace tarifador::store {
namespace {

using Value = std::variant<int64_t, std::string>;

// A WHERE clause and the values of its placeholders, in order.
struct Where {
  std::string sql;  // "" or " WHERE a AND b"
  std::vector<Value> values;

  void Add(const std::string& condition, std::vector<Value> vs) {
    sql += sql.empty() ? " WHERE " : " AND ";
    sql += condition;
    for (Value& v : vs) values.push_back(std::move(v));
  }
  void Bind(SQLite::Statement& st) const {
    int i = 0;
    for (const Value& v : values) {
      ++i;
      if (const int64_t* n = std::get_if<int64_t>(&v)) {
        st.bind(i, *n);
      } else {
        st.bind(i, std::get<std::string>(v));
      }
    }
  }
};

// The smallest string greater than every string starting with `prefix`, or
// nullopt when there is none (all bytes 0xFF).
std::optional<std::string> PrefixUpperBound(std::string prefix) {
  while (!prefix.empty()) {
    const auto last = static_cast<unsigned char>(prefix.back());
    if (last < 0xFF) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

// `prefix_by_index`: false writes the prefix condition as `+normalised_number`,
// which keeps SQLite off the number index (see CdrQuery::Search).
Where WhereOf(const CdrFilter& f, bool prefix_by_index = true) {
  Where w;
  const std::string number = prefix_by_index ? "normalised_number" : "+normalised_number";
  if (f.from) w.Add("start_us >= ?", {f.from->micros()});
  if (f.to) w.Add("start_us < ?", {f.to->micros()});
  if (f.extension) w.Add("caller = ?", {*f.extension});
  if (f.account_id) w.Add("account_id = ?", {static_cast<int64_t>(f.account_id->value)});
  if (f.direction) w.Add("direction = ?", {std::string(billing::DirectionName(*f.direction))});
  if (f.zone) w.Add("zone = ?", {*f.zone});
  if (f.prefix && !f.prefix->empty()) {
    // A range, not LIKE: LIKE 'p%' cannot use the index (case folding, and
    // '%'/'_' in the text), the range can.
    if (std::optional<std::string> upper = PrefixUpperBound(*f.prefix)) {
      w.Add(number + " >= ? AND " + number + " < ?", {*f.prefix, *upper});
    } else {
      w.Add(number + " >= ?", {*f.prefix});
    }
  }
  if (f.disposition) w.Add("disposition = ?", {std::string(billing::DispositionName(*f.disposition))});
  if (f.min_cost) w.Add("cost_micros >= ?", {f.min_cost->micros()});
  return w;
}

base::Status SqlFailure(const std::string& context, const SQLite::Exception& e) {
  return base::Unavailable(context + ": " + e.what());
}

struct Position {
  int64_t start_us = 0;
  std::string uuid;
};

base::Result<Position> DecodeCursor(std::string_view cursor) {
  const auto bad = [&] {
    std::string shown(cursor.substr(0, 40));
    if (cursor.size() > 40) shown += "...";
    return base::InvalidArgument("cursor \"" + shown + "\" is not a cursor this search returned");
  };
  if (cursor.empty() || cursor.size() > 400) return bad();
  base::Result<std::string> text = base::DecodeBase64Url(cursor);
  if (!text.ok()) return bad();
  const size_t colon = text->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text->size()) return bad();
  Position p;
  const char* first = text->data();
  const char* last = text->data() + colon;
  auto [ptr, ec] = std::from_chars(first, last, p.start_us);
  if (ec != std::errc() || ptr != last) return bad();
  p.uuid = text->substr(colon + 1);
  return p;
}

void Accumulate(CdrTotals& into, const CdrTotals& add) {
  into.calls += add.calls;
  into.answered += add.answered;
  into.billsec += add.billsec;
  into.billable_seconds += add.billable_seconds;
  into.cost = base::Money::FromMicros(into.cost.micros() + add.cost.micros());
}

// The totals columns, in the order ReadTotals reads them from column `first`.
constexpr const char* kTotalsColumns =
    "count(*), coalesce(sum(c.disposition = 'answered'), 0), coalesce(sum(c.billsec), 0), "
    "coalesce(sum(c.billable_seconds), 0), coalesce(sum(c.cost_micros), 0)";

CdrTotals ReadTotals(SQLite::Statement& st, int first) {
  CdrTotals t;
  t.calls = st.getColumn(first).getInt64();
  t.answered = st.getColumn(first + 1).getInt64();
  t.billsec = st.getColumn(first + 2).getInt64();
  t.billable_seconds = st.getColumn(first + 3).getInt64();
  t.cost = base::Money::FromMicros(st.getColumn(first + 4).getInt64());
  return t;
}

// The civil date after y-m-d (y-m-d valid).
std::array<int, 3> NextDay(int y, int m, int d) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  const int in_month = m == 2 && leap ? 29 : kDays[static_cast<size_t>(m - 1)];
  if (d < in_month) return {y, m, d + 1};
  if (m < 12) return {y, m + 1, 1};
  return {y + 1, 1, 1};
}

}  // namespace

const char* ReportGroupName(ReportGroup group) {
  switch (group) {
    case ReportGroup::kExtension: return "extension";
    case ReportGroup::kAccount: return "account";
    case ReportGroup::kZone: return "zone";
  }
  return "extension";
}

base::Result<ReportGroup> ParseReportGroup(std::string_view text) {
  for (ReportGroup g : {ReportGroup::kExtension, ReportGroup::kAccount, ReportGroup::kZone}) {
    if (text == ReportGroupName(g)) return g;
  }
  std::string shown(text.substr(0, 40));
  return base::InvalidArgument("group \"" + shown + "\" is not one of extension, account, zone");
}

std::string CdrQuery::EncodeCursor(int64_t start_us, std::string_view uuid) {
  std::string text = std::to_string(start_us);
  text += ':';
  text += uuid;
  return base::EncodeBase64Url(text);
}

base::Result<CdrPage> CdrQuery::Search(const CdrFilter& filter, int64_t limit,
                                       const std::optional<std::string>& cursor) const {
  if (limit < 1 || limit > kMaxLimit) {
    return base::InvalidArgument("limit " + std::to_string(limit) + " is not between 1 and " +
                                 std::to_string(kMaxLimit));
  }
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("searching CDRs");
  bool prefix_by_index = true;
  if (filter.prefix && !filter.prefix->empty()) {
    // A short prefix ("44") can match a large share of the store: reading all
    // its matches through the number index and sorting them by time costs
    // hundreds of ms, while walking the time index newest first finds a page
    // of them almost at once. A long prefix is the opposite. Count up to a
    // threshold through the number index (cheap) and pick the plan.
    const Where probe_where = WhereOf(filter);
    try {
      SQLite::Statement probe(lease->sql(), "SELECT 1 FROM cdrs" + probe_where.sql + " LIMIT 1 OFFSET ?");
      probe_where.Bind(probe);
      probe.bind(static_cast<int>(probe_where.values.size()) + 1, std::max<int64_t>(2000, 20 * limit));
      prefix_by_index = !probe.executeStep();
    } catch (const SQLite::Exception& e) {
      return SqlFailure("searching CDRs", e);
    }
  }
  Where where = WhereOf(filter, prefix_by_index);
  if (cursor) {
    base::Result<Position> after = DecodeCursor(*cursor);
    if (!after.ok()) return after.status();
    // The redundant `start_us <= ?` gives SQLite a range on start_us for
    // every index ending in start_us ((caller, start_us), (zone, start_us)...);
    // the OR alone would make it scan (and look up) every row before the
    // cursor.
    where.Add("start_us <= ? AND (start_us < ? OR (start_us = ? AND uuid < ?))",
              {after->start_us, after->start_us, after->start_us, after->uuid});
  }
  try {
    SQLite::Statement st(lease->sql(), std::string("SELECT ") + kCdrColumns + " FROM cdrs" + where.sql +
                                           " ORDER BY start_us DESC, uuid DESC LIMIT ?");
    where.Bind(st);
    st.bind(static_cast<int>(where.values.size()) + 1, limit + 1);  // one more: is there a next page?
    CdrPage page;
    while (st.executeStep()) {
      if (static_cast<int64_t>(page.items.size()) == limit) {
        const billing::Cdr& last = page.items.back();
        page.next_cursor = EncodeCursor(last.start_us, last.uuid.value);
        break;
      }
      base::Result<billing::Cdr> cdr = ReadCdrRow(st);
      if (!cdr.ok()) return cdr.status();
      page.items.push_back(std::move(*cdr));
    }
    return page;
  } catch (const SQLite::Exception& e) {
    return SqlFailure("searching CDRs", e);
  }
}

base::Result<billing::Cdr> CdrQuery::Get(const billing::CallId& uuid) const {
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("reading the CDR of call " + uuid.value);
  return GetCdrIn(lease->sql(), uuid);
}

base::Status CdrQuery::ForEach(const CdrFilter& filter,
                               const std::function<base::Status(const billing::Cdr&)>& each) const {
  const Where where = WhereOf(filter);
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("reading CDRs");
  // The C API for this one statement: an export walks millions of rows, and
  // SQLiteCpp's per-column objects cost a third of it (store/cdr_row.h).
  sqlite3* db = lease->sql().getHandle();
  const std::string sql = std::string("SELECT ") + kCdrColumns + " FROM cdrs" + where.sql + " ORDER BY start_us, uuid";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    sqlite3_finalize(raw);
    return base::Unavailable(std::string("reading CDRs: ") + sqlite3_errmsg(db));
  }
  const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
  int i = 0;
  for (const Value& v : where.values) {
    ++i;
    const int rc = std::holds_alternative<int64_t>(v)
                       ? sqlite3_bind_int64(raw, i, std::get<int64_t>(v))
                       : sqlite3_bind_text(raw, i, std::get<std::string>(v).data(),
                                           static_cast<int>(std::get<std::string>(v).size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) return base::Unavailable(std::string("reading CDRs: ") + sqlite3_errmsg(db));
  }
  // One statement stepped to the end is one read transaction: one snapshot.
  billing::Cdr cdr;  // one for the whole walk: its strings keep their capacity
  for (;;) {
    const int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) return base::Status::Ok();
    if (rc != SQLITE_ROW) return base::Unavailable(std::string("reading CDRs: ") + sqlite3_errmsg(db));
    TARIFADOR_RETURN_IF_ERROR(ReadCdrRowInto(raw, cdr));
    TARIFADOR_RETURN_IF_ERROR(each(cdr));
  }
}

base::Result<Summary> CdrQuery::Summarize(base::Instant from, base::Instant to, ReportGroup group) const {
  std::string sql;
  switch (group) {
    case ReportGroup::kExtension:
      sql = std::string("SELECT c.caller, coalesce(x.name, ''), ") + kTotalsColumns +
            " FROM cdrs c LEFT JOIN extensions x ON x.number = c.caller"
            " WHERE c.start_us >= ? AND c.start_us < ? GROUP BY c.caller";
      break;
    case ReportGroup::kAccount:
      sql = std::string("SELECT coalesce(CAST(c.account_id AS TEXT), ''), coalesce(a.name, ''), ") + kTotalsColumns +
            " FROM cdrs c LEFT JOIN accounts a ON a.id = c.account_id"
            " WHERE c.start_us >= ? AND c.start_us < ? GROUP BY c.account_id";
      break;
    case ReportGroup::kZone:
      sql = std::string("SELECT c.zone, '', ") + kTotalsColumns +
            " FROM cdrs c WHERE c.start_us >= ? AND c.start_us < ? GROUP BY c.zone";
      break;
  }
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("summarising CDRs");
  try {
    SQLite::Statement st(lease->sql(), sql);
    st.bind(1, from.micros());
    st.bind(2, to.micros());
    Summary out;
    while (st.executeStep()) {
      SummaryRow row{st.getColumn(0).getString(), st.getColumn(1).getString(), ReadTotals(st, 2)};
      Accumulate(out.totals, row.totals);
      out.rows.push_back(std::move(row));
    }
    std::sort(out.rows.begin(), out.rows.end(), [](const SummaryRow& a, const SummaryRow& b) {
      if (a.totals.cost != b.totals.cost) return a.totals.cost > b.totals.cost;
      return a.key < b.key;
    });
    return out;
  } catch (const SQLite::Exception& e) {
    return SqlFailure("summarising CDRs", e);
  }
}

base::Result<HourlyReport> CdrQuery::Hourly(int year, int month, int day) const {
  base::Result<base::Instant> start = base::LocalDayStart(year, month, day);
  if (!start.ok()) return start.status();
  const std::array<int, 3> next = NextDay(year, month, day);
  base::Result<base::Instant> end = base::LocalDayStart(next[0], next[1], next[2]);
  if (!end.ok()) return end.status();
  // Local hours begin on whole UTC hours after the day's start in every zone
  // whose DST shifts are whole hours (all of those in use in Europe and the
  // Americas); a DST day is simply an hour shorter or longer.
  constexpr int64_t kHourUs = 3'600'000'000;
  const int64_t span = end->micros() - start->micros();
  const int64_t count = std::clamp<int64_t>((span + kHourUs - 1) / kHourUs, 1, 26);
  HourlyReport out;
  for (int64_t h = 0; h < count; ++h) {
    out.hours.push_back(HourBucket{base::Instant::FromMicros(start->micros() + h * kHourUs), {}});
  }
  auto lease = reads_.Acquire();
  if (!lease.ok()) return lease.status().WithContext("counting CDRs per hour");
  try {
    SQLite::Statement st(lease->sql(), std::string("SELECT (c.start_us - ?1) / ") + std::to_string(kHourUs) + ", " +
                                           kTotalsColumns +
                                           " FROM cdrs c WHERE c.start_us >= ?1 AND c.start_us < ?2 GROUP BY 1");
    st.bind(1, start->micros());
    st.bind(2, end->micros());
    while (st.executeStep()) {
      const int64_t h = std::clamp<int64_t>(st.getColumn(0).getInt64(), 0, count - 1);
      const CdrTotals t = ReadTotals(st, 1);
      Accumulate(out.hours[static_cast<size_t>(h)].totals, t);
      Accumulate(out.totals, t);
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return SqlFailure("counting CDRs per hour", e);
  }
}

}  // namespace tarifador::store
