#include "store/cdr_row.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace tarifador::store {
namespace {

base::Money Micros(SQLite::Statement& st, int col) { return base::Money::FromMicros(st.getColumn(col).getInt64()); }

}  // namespace

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
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

base::Result<billing::Cdr> ReadCdrRow(SQLite::Statement& st) {
  billing::Cdr c;
  c.uuid = billing::CallId{st.getColumn(0).getString()};
  c.linked = SplitLinkedUuids(st.getColumn(1).getString());
  c.site_id = st.getColumn(2).getString();
  auto direction = billing::ParseDirection(st.getColumn(3).getString());
  if (!direction.ok()) return base::Internal("CDR " + c.uuid.value + ": stored " + direction.status().message());
  c.direction = *direction;
  c.caller = st.getColumn(4).getString();
  c.caller_name = st.getColumn(5).getString();
  if (!st.getColumn(6).isNull()) c.account_id = billing::AccountId{st.getColumn(6).getInt64()};
  c.destination = st.getColumn(7).getString();
  c.normalised = st.getColumn(8).getString();
  c.zone = st.getColumn(9).getString();
  c.prefix = st.getColumn(10).getString();
  c.rate_plan = st.getColumn(11).getString();
  c.price_per_minute = Micros(st, 12);
  c.connection_fee = Micros(st, 13);
  c.start_us = st.getColumn(14).getInt64();
  c.answer_us = st.getColumn(15).getInt64();
  c.bridge_us = st.getColumn(16).getInt64();
  c.end_us = st.getColumn(17).getInt64();
  c.duration_s = st.getColumn(18).getInt64();
  c.billsec = st.getColumn(19).getInt64();
  c.billusec = st.getColumn(20).getInt64();
  c.billable_seconds = st.getColumn(21).getInt64();
  c.cost = Micros(st, 22);
  c.charged = Micros(st, 23);
  c.hangup_cause = st.getColumn(24).getString();
  auto disposition = billing::ParseDisposition(st.getColumn(25).getString());
  if (!disposition.ok()) return base::Internal("CDR " + c.uuid.value + ": stored " + disposition.status().message());
  c.disposition = *disposition;
  c.deny_reason = st.getColumn(26).getString();
  c.gateway = st.getColumn(27).getString();
  return c;
}

}  // namespace tarifador::store
