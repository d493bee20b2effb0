#include "export/cdr_columns.h"

#include <algorithm>
#include <array>

#include "base/local_time.h"

namespace tarifador::exports {
namespace {

struct ColumnInfo {
  Column column;
  std::string_view name;
};

constexpr ColumnInfo kColumns[] = {
    {Column::kUuid, "uuid"},
    {Column::kLinkedUuids, "linked_uuids"},
    {Column::kSiteId, "site_id"},
    {Column::kDirection, "direction"},
    {Column::kCaller, "caller"},
    {Column::kCallerName, "caller_name"},
    {Column::kAccountId, "account_id"},
    {Column::kDestination, "destination"},
    {Column::kNormalisedNumber, "normalised_number"},
    {Column::kZone, "zone"},
    {Column::kPrefix, "prefix"},
    {Column::kRatePlan, "rate_plan"},
    {Column::kPricePerMinute, "price_per_minute"},
    {Column::kConnectionFee, "connection_fee"},
    {Column::kStartTime, "start_time"},
    {Column::kAnswerTime, "answer_time"},
    {Column::kBridgeTime, "bridge_time"},
    {Column::kEndTime, "end_time"},
    {Column::kDuration, "duration"},
    {Column::kBillsec, "billsec"},
    {Column::kBillusec, "billusec"},
    {Column::kBillableSeconds, "billable_seconds"},
    {Column::kCost, "cost"},
    {Column::kCharged, "charged"},
    {Column::kHangupCause, "hangup_cause"},
    {Column::kDisposition, "disposition"},
    {Column::kDenyReason, "deny_reason"},
    {Column::kGateway, "gateway"},
};

constexpr std::array<Column, std::size(kColumns)> MakeAll() {
  std::array<Column, std::size(kColumns)> all{};
  for (size_t i = 0; i < std::size(kColumns); ++i) all[i] = kColumns[i].column;
  return all;
}
constexpr auto kAll = MakeAll();

std::string KnownNames() {
  std::string out;
  for (const ColumnInfo& c : kColumns) {
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void AppendTime(std::string& out, int64_t us, TimeMode times) {
  if (us == 0) return;  // did not happen
  const base::Instant t = base::Instant::FromMicros(us);
  out += times == TimeMode::kUtc ? base::FormatIso8601(t) : base::FormatLocalIso8601(t);
}

}  // namespace

std::span<const Column> AllColumns() { return kAll; }

std::string_view ColumnName(Column column) {
  for (const ColumnInfo& c : kColumns) {
    if (c.column == column) return c.name;
  }
  return "?";
}

base::Result<std::vector<Column>> ParseColumns(std::string_view text) {
  if (Trim(text).empty()) return std::vector<Column>(kAll.begin(), kAll.end());
  std::vector<Column> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view name = Trim(text.substr(pos, comma - pos));
    pos = comma + 1;
    const auto it =
        std::find_if(std::begin(kColumns), std::end(kColumns), [&](const ColumnInfo& c) { return c.name == name; });
    if (it == std::end(kColumns)) {
      return base::InvalidArgument(std::string("export.columns: unknown column \"")
                                       .append(name)
                                       .append("\" (known: ")
                                       .append(KnownNames())
                                       .append(")"));
    }
    if (std::find(out.begin(), out.end(), it->column) != out.end()) {
      return base::InvalidArgument(std::string("export.columns: column \"").append(name).append("\" is listed twice"));
    }
    out.push_back(it->column);
  }
  return out;
}

base::Result<TimeMode> ParseTimeMode(std::string_view text) {
  if (text.empty()) return TimeMode::kOffice;
  if (text == "UTC") return TimeMode::kUtc;
  return base::InvalidArgument(std::string("export.time_zone: \"")
                                   .append(text)
                                   .append("\" is not accepted: use \"\" (the office time_zone) or \"UTC\""));
}

void AppendColumnValue(std::string& out, Column column, const billing::Cdr& cdr, TimeMode times) {
  switch (column) {
    case Column::kUuid: out += cdr.uuid.value; return;
    case Column::kLinkedUuids:
      for (size_t i = 0; i < cdr.linked.size(); ++i) {
        if (i > 0) out += ',';
        out += cdr.linked[i];
      }
      return;
    case Column::kSiteId: out += cdr.site_id; return;
    case Column::kDirection: out += billing::DirectionName(cdr.direction); return;
    case Column::kCaller: out += cdr.caller; return;
    case Column::kCallerName: out += cdr.caller_name; return;
    case Column::kAccountId:
      if (cdr.account_id) out += std::to_string(cdr.account_id->value);
      return;
    case Column::kDestination: out += cdr.destination; return;
    case Column::kNormalisedNumber: out += cdr.normalised; return;
    case Column::kZone: out += cdr.zone; return;
    case Column::kPrefix: out += cdr.prefix; return;
    case Column::kRatePlan: out += cdr.rate_plan; return;
    case Column::kPricePerMinute: out += cdr.price_per_minute.ToString(); return;
    case Column::kConnectionFee: out += cdr.connection_fee.ToString(); return;
    case Column::kStartTime: AppendTime(out, cdr.start_us, times); return;
    case Column::kAnswerTime: AppendTime(out, cdr.answer_us, times); return;
    case Column::kBridgeTime: AppendTime(out, cdr.bridge_us, times); return;
    case Column::kEndTime: AppendTime(out, cdr.end_us, times); return;
    case Column::kDuration: out += std::to_string(cdr.duration_s); return;
    case Column::kBillsec: out += std::to_string(cdr.billsec); return;
    case Column::kBillusec: out += std::to_string(cdr.billusec); return;
    case Column::kBillableSeconds: out += std::to_string(cdr.billable_seconds); return;
    case Column::kCost: out += cdr.cost.ToString(); return;
    case Column::kCharged: out += cdr.charged.ToString(); return;
    case Column::kHangupCause: out += cdr.hangup_cause; return;
    case Column::kDisposition: out += billing::DispositionName(cdr.disposition); return;
    case Column::kDenyReason: out += cdr.deny_reason; return;
    case Column::kGateway: out += cdr.gateway; return;
  }
}

}  // namespace tarifador::exports
