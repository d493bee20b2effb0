#pragma once
// The CSV export's columns (docs/EXPORT.md): every CDR field of SPEC section
// 4, named as in the CDR JSON of the API, and how each is written. The
// configured list (`export.columns`) picks and orders them.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/local_time.h"
#include "base/status.h"
#include "billing/cdr.h"
#include "export/csv_writer.h"

namespace tarifador::exports {

enum class Column {
  kUuid,
  kLinkedUuids,
  kSiteId,
  kDirection,
  kCaller,
  kCallerName,
  kAccountId,
  kDestination,
  kNormalisedNumber,
  kZone,
  kPrefix,
  kRatePlan,
  kPricePerMinute,
  kConnectionFee,
  kStartTime,
  kAnswerTime,
  kBridgeTime,
  kEndTime,
  kDuration,
  kBillsec,
  kBillusec,
  kBillableSeconds,
  kCost,
  kCharged,
  kHangupCause,
  kDisposition,
  kDenyReason,
  kGateway,
  kPinId,
  kPinOwner,
};

// How times are written: the office time zone with its offset
// ("2026-11-22T10:15:03+01:00", base::FormatLocalIso8601) or UTC ("...Z").
enum class TimeMode { kOffice, kUtc };

// Every column, in the default order.
std::span<const Column> AllColumns();
// The header name ("start_time").
std::string_view ColumnName(Column column);

// Parses `export.columns`: "" = every column in the default order, otherwise
// names separated by commas (spaces around them ignored). Fails with
// InvalidArgument naming an unknown or repeated column and listing the known ones.
base::Result<std::vector<Column>> ParseColumns(std::string_view text);

// Parses `export.time_zone`: "" = the office time zone (config `time_zone`),
// "UTC". Anything else fails with InvalidArgument naming it.
base::Result<TimeMode> ParseTimeMode(std::string_view text);

// Writes column values as CSV fields: the text of `column` for `cdr` (money
// as decimal strings, absent times and accounts as ""). Keeps what makes
// millions of rows in time order cheap (the office offset of the last hour
// seen, a scratch string), so: one per walk, not thread-safe.
// A CSV meant for a spreadsheet rather than a program (docs/EXPORT.md "For
// Excel"): numbers that start with 0 or + are written as ="0034911234567"
// so the sheet keeps them as text with their leading zeros, money gets the
// locale's decimal mark, and direction and result read as words.
struct SheetDialect {
  bool excel = false;
  bool decimal_comma = false;  // money as "0,0240"; the writer then separates fields with ';'
  bool spanish = false;        // labels in Spanish ("Contestada"), else English ("Answered")
};

// The accounting preset: when, who, where to, how long, what it cost.
std::span<const Column> AccountingColumns();

class ColumnFormatter {
 public:
  explicit ColumnFormatter(TimeMode times, SheetDialect sheet = {}) : times_(times), sheet_(sheet) {}
  void Write(CsvWriter& csv, Column column, const billing::Cdr& cdr);

 private:
  void AppendTime(std::string& out, int64_t us);
  void WriteMoney(CsvWriter& csv, base::Money money);
  void WriteNumber(CsvWriter& csv, const std::string& number);

  TimeMode times_;
  SheetDialect sheet_;
  base::LocalIso8601Writer local_;
  std::string scratch_;
};

}  // namespace tarifador::exports
