#include "export/cdr_columns.h"

#include <algorithm>
#include <array>
#include <charconv>

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
    {Column::kPinId, "pin_id"},
    {Column::kPinOwner, "pin_owner"},
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

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

constexpr std::array kAccounting = {Column::kStartTime, Column::kCaller,         Column::kCallerName,
                                    Column::kAccountId, Column::kDestination,    Column::kZone,
                                    Column::kBillsec,   Column::kPricePerMinute, Column::kCost,
                                    Column::kCharged,   Column::kDisposition};

// What a person reads for a direction or a result in a sheet.
std::string_view DirectionLabel(billing::Direction d, bool es) {
  switch (d) {
    case billing::Direction::kOutbound: return es ? "Saliente" : "Outbound";
    case billing::Direction::kInbound: return es ? "Entrante" : "Inbound";
    case billing::Direction::kInternal: return es ? "Interna" : "Internal";
  }
  return billing::DirectionName(d);
}

std::string_view DispositionLabel(billing::Disposition d, bool es) {
  switch (d) {
    case billing::Disposition::kAnswered: return es ? "Contestada" : "Answered";
    case billing::Disposition::kNoAnswer: return es ? "Sin respuesta" : "No answer";
    case billing::Disposition::kBusy: return es ? "Ocupado" : "Busy";
    case billing::Disposition::kFailed: return es ? "Fallida" : "Failed";
    case billing::Disposition::kDenied: return es ? "Denegada" : "Refused";
    case billing::Disposition::kCutOffNoFunds: return es ? "Cortada por saldo" : "Cut off (money)";
  }
  return billing::DispositionName(d);
}

}  // namespace

std::span<const Column> AllColumns() { return kAll; }
std::span<const Column> AccountingColumns() { return kAccounting; }

void ColumnFormatter::WriteMoney(CsvWriter& csv, base::Money money) {
  std::string& out = csv.UnquotedField();
  const size_t at = out.size();
  money.AppendTo(out);
  if (sheet_.excel && sheet_.decimal_comma)
    std::replace(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(), '.', ',');
}

void ColumnFormatter::WriteNumber(CsvWriter& csv, const std::string& number) {
  // ="0034911234567": the sheet shows the text the formula gives, zeros kept.
  // Only digits (and a leading +) are written so: nothing else can run.
  const bool digits = !number.empty() && std::all_of(number.begin() + (number[0] == '+' ? 1 : 0), number.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; });
  if (!sheet_.excel || !digits || number.size() < 2 || (number[0] != '0' && number[0] != '+')) {
    csv.Field(number);
    return;
  }
  std::string& out = csv.UnquotedField();
  out += "\"=\"\"";
  out += number;
  out += "\"\"\"";
}

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

void ColumnFormatter::AppendTime(std::string& out, int64_t us) {
  if (us == 0) return;  // did not happen
  const base::Instant t = base::Instant::FromMicros(us);
  if (times_ == TimeMode::kUtc) {
    base::AppendIso8601(out, t);
  } else {
    local_.Append(out, t);
  }
}

void ColumnFormatter::Write(CsvWriter& csv, Column column, const billing::Cdr& cdr) {
  // Free text goes through Field (quoted when needed); numbers, times, money
  // and the fixed names cannot hold a comma, quote or line break.
  switch (column) {
    case Column::kUuid: csv.Field(cdr.uuid.value); return;
    case Column::kLinkedUuids:
      scratch_.clear();
      for (size_t i = 0; i < cdr.linked.size(); ++i) {
        if (i > 0) scratch_ += ',';
        scratch_ += cdr.linked[i];
      }
      csv.Field(scratch_);
      return;
    case Column::kSiteId: csv.Field(cdr.site_id); return;
    case Column::kDirection:
      csv.UnquotedField() +=
          sheet_.excel ? DirectionLabel(cdr.direction, sheet_.spanish) : billing::DirectionName(cdr.direction);
      return;
    case Column::kCaller: WriteNumber(csv, cdr.caller); return;
    case Column::kCallerName: csv.Field(cdr.caller_name); return;
    case Column::kAccountId: {
      std::string& out = csv.UnquotedField();
      if (cdr.account_id) AppendInt(out, cdr.account_id->value);
      return;
    }
    case Column::kDestination: WriteNumber(csv, cdr.destination); return;
    case Column::kNormalisedNumber: WriteNumber(csv, cdr.normalised); return;
    case Column::kZone: csv.Field(cdr.zone); return;
    case Column::kPrefix: WriteNumber(csv, cdr.prefix); return;
    case Column::kRatePlan: csv.Field(cdr.rate_plan); return;
    case Column::kPricePerMinute: WriteMoney(csv, cdr.price_per_minute); return;
    case Column::kConnectionFee: WriteMoney(csv, cdr.connection_fee); return;
    case Column::kStartTime: AppendTime(csv.UnquotedField(), cdr.start_us); return;
    case Column::kAnswerTime: AppendTime(csv.UnquotedField(), cdr.answer_us); return;
    case Column::kBridgeTime: AppendTime(csv.UnquotedField(), cdr.bridge_us); return;
    case Column::kEndTime: AppendTime(csv.UnquotedField(), cdr.end_us); return;
    case Column::kDuration: AppendInt(csv.UnquotedField(), cdr.duration_s); return;
    case Column::kBillsec: AppendInt(csv.UnquotedField(), cdr.billsec); return;
    case Column::kBillusec: AppendInt(csv.UnquotedField(), cdr.billusec); return;
    case Column::kBillableSeconds: AppendInt(csv.UnquotedField(), cdr.billable_seconds); return;
    case Column::kCost: WriteMoney(csv, cdr.cost); return;
    case Column::kCharged: WriteMoney(csv, cdr.charged); return;
    case Column::kHangupCause: csv.Field(cdr.hangup_cause); return;
    case Column::kDisposition:
      if (sheet_.excel) {
        csv.Field(DispositionLabel(cdr.disposition, sheet_.spanish));
      } else {
        csv.UnquotedField() += billing::DispositionName(cdr.disposition);
      }
      return;
    case Column::kDenyReason: csv.Field(cdr.deny_reason); return;
    case Column::kGateway: csv.Field(cdr.gateway); return;
    case Column::kPinId: WriteNumber(csv, cdr.pin_id); return;
    case Column::kPinOwner: csv.Field(cdr.pin_owner); return;
  }
}

}  // namespace tarifador::exports
