#include "store/cdr_row.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

namespace tarifador::store {
std::string JoinLinkedUuids(const std::vector<std::string>& legs) {
  std::string out;
  for (const std::string& leg : legs) {
    if (!out.empty()) out += ',';
    out += leg;
  }
  return out;
}

std::vector<std::string> SplitLinkedUuids(const std::string& text) {
  std::vector<std::string> out;
  SplitLinkedUuidsInto(text, out);
  return out;
}

void SplitLinkedUuidsInto(std::string_view text, std::vector<std::string>& legs) {
  size_t n = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > start) {
      if (n == legs.size()) legs.emplace_back();
      legs[n++].assign(text.data() + start, comma - start);
    }
    start = comma + 1;
  }
  legs.resize(n);
}

namespace {

// The two ways to read a column: through SQLiteCpp (the search, one page at a
// time) and through the C API (the walks: SQLiteCpp's Column objects copy a
// shared_ptr each and its getString() makes a std::string per call, which
// was a third of an export's CPU). One mapping below serves both.
struct WrappedColumns {
  SQLite::Statement& st;
  std::string_view Text(int col) const {
    const SQLite::Column c = st.getColumn(col);
    return std::string_view(c.getText(), static_cast<size_t>(c.getBytes()));
  }
  int64_t Int(int col) const { return st.getColumn(col).getInt64(); }
  bool IsNull(int col) const { return st.getColumn(col).isNull(); }
};

struct RawColumns {
  sqlite3_stmt* st;
  std::string_view Text(int col) const {
    const unsigned char* p = sqlite3_column_text(st, col);
    if (p == nullptr) return {};
    return std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st, col)));
  }
  int64_t Int(int col) const { return sqlite3_column_int64(st, col); }
  bool IsNull(int col) const { return sqlite3_column_type(st, col) == SQLITE_NULL; }
};

template <typename Columns>
base::Status ReadInto(const Columns& row, billing::Cdr& c) {
  const auto assign = [&](std::string& dst, int col) {
    const std::string_view v = row.Text(col);
    dst.assign(v.data(), v.size());
  };
  const auto micros = [&](int col) { return base::Money::FromMicros(row.Int(col)); };
  assign(c.uuid.value, 0);
  SplitLinkedUuidsInto(row.Text(1), c.linked);
  assign(c.site_id, 2);
  auto direction = billing::ParseDirection(row.Text(3));
  if (!direction.ok()) return base::Internal("CDR " + c.uuid.value + ": stored " + direction.status().message());
  c.direction = *direction;
  assign(c.caller, 4);
  assign(c.caller_name, 5);
  if (row.IsNull(6)) {
    c.account_id.reset();
  } else {
    c.account_id = billing::AccountId{row.Int(6)};
  }
  assign(c.destination, 7);
  assign(c.normalised, 8);
  assign(c.zone, 9);
  assign(c.prefix, 10);
  assign(c.rate_plan, 11);
  c.price_per_minute = micros(12);
  c.connection_fee = micros(13);
  c.start_us = row.Int(14);
  c.answer_us = row.Int(15);
  c.bridge_us = row.Int(16);
  c.end_us = row.Int(17);
  c.duration_s = row.Int(18);
  c.billsec = row.Int(19);
  c.billusec = row.Int(20);
  c.billable_seconds = row.Int(21);
  c.cost = micros(22);
  c.charged = micros(23);
  assign(c.hangup_cause, 24);
  auto disposition = billing::ParseDisposition(row.Text(25));
  if (!disposition.ok()) return base::Internal("CDR " + c.uuid.value + ": stored " + disposition.status().message());
  c.disposition = *disposition;
  assign(c.deny_reason, 26);
  assign(c.gateway, 27);
  assign(c.pin_id, 28);
  assign(c.pin_owner, 29);
  return base::Status::Ok();
}

}  // namespace

base::Result<billing::Cdr> ReadCdrRow(SQLite::Statement& st) {
  billing::Cdr c;
  TARIFADOR_RETURN_IF_ERROR(ReadInto(WrappedColumns{st}, c));
  return c;
}

base::Status ReadCdrRowInto(sqlite3_stmt* st, billing::Cdr& cdr) { return ReadInto(RawColumns{st}, cdr); }

}  // namespace tarifador::store
