#include "http/report_handlers.h"

#include <cstdio>
#include <optional>
#include <string>

#include "base/local_time.h"
#include "http/billing_fields.h"
#include "http/cdr_filter_params.h"
#include "http/json_body.h"
#include "store/cdr_query.h"

namespace tarifador::http {
namespace {

nlohmann::json TotalsJson(const store::CdrTotals& t) {
  return {{"calls", t.calls},
          {"answered", t.answered},
          {"billsec", t.billsec},
          {"billable_seconds", t.billable_seconds},
          {"cost", t.cost.ToString()}};
}

struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
};

// "YYYY-MM-DD", digits where digits belong (the calendar check is
// LocalDayStart's).
std::optional<Date> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lens[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (size_t k = 0; k < lens[i]; ++k) {
      const char c = text[starts[i] + k];
      if (c < '0' || c > '9') return std::nullopt;
      v[i] = v[i] * 10 + (c - '0');
    }
  }
  return Date{v[0], v[1], v[2]};
}

std::string DateText(const Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year % 10000, d.month % 100, d.day % 100);
  return buf;
}

}  // namespace

base::Result<Response> HandleReportSummary(Services& s, const Request& r) {
  if (!s.billing || !s.billing->cdrs) return BillingUnavailable();
  base::Result<std::optional<base::Instant>> from = LocalDateOrInstantParam(r, "from");
  if (!from.ok()) return from.status();
  base::Result<std::optional<base::Instant>> to = LocalDateOrInstantParam(r, "to");
  if (!to.ok()) return to.status();
  store::ReportGroup group = store::ReportGroup::kExtension;
  if (std::optional<std::string> g = r.Query("group")) {
    base::Result<store::ReportGroup> parsed = store::ParseReportGroup(*g);
    if (!parsed.ok()) return base::InvalidArgument("query parameter \"group\": " + parsed.status().message());
    group = *parsed;
  }
  if (!*from || !*to) {
    // The current local month.
    const base::LocalTime now = base::ToLocal(s.clock.Now());
    if (!*from) {
      base::Result<base::Instant> start = base::LocalDayStart(now.year, now.month, 1);
      if (!start.ok()) return start.status();
      *from = *start;
    }
    if (!*to) {
      base::Result<base::Instant> end =
          now.month == 12 ? base::LocalDayStart(now.year + 1, 1, 1) : base::LocalDayStart(now.year, now.month + 1, 1);
      if (!end.ok()) return end.status();
      *to = *end;
    }
  }
  if (**to <= **from) return base::InvalidArgument("query parameter \"to\": must be after \"from\" (it is exclusive)");
  base::Result<store::Summary> summary = s.billing->cdrs->Summarize(**from, **to, group);
  if (!summary.ok()) return summary.status();
  nlohmann::json rows = nlohmann::json::array();
  for (const store::SummaryRow& row : summary->rows) {
    nlohmann::json j = TotalsJson(row.totals);
    j["key"] = row.key;
    j["name"] = row.name;
    rows.push_back(std::move(j));
  }
  return Response::Json(Dump({{"from", base::FormatIso8601(**from)},
                              {"to", base::FormatIso8601(**to)},
                              {"time_zone", base::OfficeTimeZoneName()},
                              {"group", store::ReportGroupName(group)},
                              {"rows", std::move(rows)},
                              {"totals", TotalsJson(summary->totals)}}));
}

base::Result<Response> HandleReportHourly(Services& s, const Request& r) {
  if (!s.billing || !s.billing->cdrs) return BillingUnavailable();
  Date date;
  if (std::optional<std::string> text = r.Query("date")) {
    std::optional<Date> parsed = ParseDate(*text);
    if (!parsed) return base::InvalidArgument("query parameter \"date\": " + Shown(*text) + " is not YYYY-MM-DD");
    date = *parsed;
  } else {
    const base::LocalTime now = base::ToLocal(s.clock.Now());
    date = Date{now.year, now.month, now.day};
  }
  base::Result<store::HourlyReport> report = s.billing->cdrs->Hourly(date.year, date.month, date.day);
  if (!report.ok()) {
    if (report.status().code() == base::StatusCode::kInvalidArgument) {
      return base::InvalidArgument("query parameter \"date\": " + report.status().message());
    }
    return report.status();
  }
  nlohmann::json hours = nlohmann::json::array();
  for (const store::HourBucket& h : report->hours) {
    hours.push_back({{"start", base::FormatLocalIso8601(h.start)},
                     {"calls", h.totals.calls},
                     {"answered", h.totals.answered},
                     {"cost", h.totals.cost.ToString()}});
  }
  return Response::Json(Dump({{"date", DateText(date)},
                              {"time_zone", base::OfficeTimeZoneName()},
                              {"hours", std::move(hours)},
                              {"totals",
                               {{"calls", report->totals.calls},
                                {"answered", report->totals.answered},
                                {"billsec", report->totals.billsec},
                                {"cost", report->totals.cost.ToString()}}}}));
}

}  // namespace tarifador::http
