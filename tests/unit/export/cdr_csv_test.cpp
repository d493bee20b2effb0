#include "export/cdr_csv.h"

#include <catch2/catch.hpp>
#include <string>

#include "base/local_time.h"
#include "memory_source.h"

namespace tarifador::exports {
namespace {

using testing::MemorySource;
using testing::SampleCdr;

int64_t Us(std::string_view iso) { return base::ParseIso8601(iso)->micros(); }

std::string Csv(const MemorySource& source, const CsvOptions& options, int64_t* rows = nullptr) {
  std::string out;
  const CdrWalk walk = [&](const CdrVisitor& v) {
    return source.ForEachStartedIn(base::Instant::FromMicros(0), base::Instant::FromMicros(INT64_MAX), v);
  };
  base::Result<int64_t> n = WriteCdrCsv(walk, options, [&](std::string_view c) {
    out.append(c);
    return base::Status();
  });
  REQUIRE(n.ok());
  if (rows) *rows = *n;
  return out;
}

TEST_CASE("export.columns: empty means every CDR field, names are checked", "[export]") {
  base::Result<std::vector<Column>> all = ParseColumns("");
  REQUIRE(all.ok());
  CHECK(all->size() == 30);
  CHECK(ColumnName(all->front()) == "uuid");
  CHECK(ColumnName(all->back()) == "pin_owner");

  base::Result<std::vector<Column>> some = ParseColumns(" start_time, caller ,cost");
  REQUIRE(some.ok());
  REQUIRE(some->size() == 3);
  CHECK(ColumnName((*some)[1]) == "caller");

  base::Result<std::vector<Column>> bad = ParseColumns("caller,price");
  REQUIRE(!bad.ok());
  CHECK(bad.status().code() == base::StatusCode::kInvalidArgument);
  CHECK_THAT(bad.status().message(), Catch::Contains("unknown column \"price\""));
  CHECK_THAT(bad.status().message(), Catch::Contains("price_per_minute"));

  CHECK(!ParseColumns("cost,cost").ok());
  CHECK(!ParseColumns("cost,").ok());  // an empty name is unknown too
}

TEST_CASE("export.time_zone accepts the office zone or UTC", "[export]") {
  CHECK(*ParseTimeMode("") == TimeMode::kOffice);
  CHECK(*ParseTimeMode("UTC") == TimeMode::kUtc);
  base::Result<TimeMode> bad = ParseTimeMode("Mars/Olympus");
  REQUIRE(!bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("Mars/Olympus"));
}

TEST_CASE("a CDR row: quoting, money as decimal strings, absent values empty", "[export]") {
  REQUIRE(base::SetOfficeTimeZone("UTC").ok());
  MemorySource source;
  billing::Cdr c = SampleCdr("u-1", Us("2026-11-21T10:00:00Z"));
  c.caller_name = "Muñoz, \"Pepe\"\r\nJosé";
  c.linked = {"leg-b", "leg-c"};
  source.Add(c);
  billing::Cdr denied = SampleCdr("u-2", Us("2026-11-21T11:00:00Z"));
  denied.account_id.reset();
  denied.answer_us = 0;
  denied.end_us = 0;
  denied.cost = base::Money();
  denied.charged = base::Money();
  denied.disposition = billing::Disposition::kDenied;
  source.Add(denied);

  CsvOptions options;
  options.columns =
      *ParseColumns("uuid,caller_name,linked_uuids,account_id,answer_time,cost,price_per_minute,disposition");
  options.times = TimeMode::kUtc;
  int64_t rows = 0;
  const std::string csv = Csv(source, options, &rows);
  CHECK(rows == 2);
  CHECK(csv ==
        "uuid,caller_name,linked_uuids,account_id,answer_time,cost,price_per_minute,disposition\r\n"
        "u-1,\"Muñoz, \"\"Pepe\"\"\r\nJosé\",\"leg-b,leg-c\",7,2026-11-21T10:00:05Z,13.5740,12.3400,"
        "answered\r\n"
        "u-2,Alice,,,,0.0000,12.3400,denied\r\n");
}

TEST_CASE("CSV times in the office time zone follow DST (Europe/Madrid)", "[export]") {
  REQUIRE(base::SetOfficeTimeZone("Europe/Madrid").ok());
  MemorySource source;
  // 2026-03-29: clocks go 02:00 CET -> 03:00 CEST at 01:00Z.
  source.Add(SampleCdr("a", Us("2026-03-29T00:30:00Z")));
  source.Add(SampleCdr("b", Us("2026-03-29T01:30:00Z")));
  // 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00Z; 02:30 happens twice.
  source.Add(SampleCdr("c", Us("2026-10-25T00:30:00Z")));
  source.Add(SampleCdr("d", Us("2026-10-25T01:30:00Z")));
  CsvOptions office;
  office.columns = *ParseColumns("uuid,start_time");
  CHECK(Csv(source, office) ==
        "uuid,start_time\r\n"
        "a,2026-03-29T01:30:00+01:00\r\n"
        "b,2026-03-29T03:30:00+02:00\r\n"
        "c,2026-10-25T02:30:00+02:00\r\n"
        "d,2026-10-25T02:30:00+01:00\r\n");
  CsvOptions utc = office;
  utc.times = TimeMode::kUtc;
  CHECK(Csv(source, utc) ==
        "uuid,start_time\r\n"
        "a,2026-03-29T00:30:00Z\r\n"
        "b,2026-03-29T01:30:00Z\r\n"
        "c,2026-10-25T00:30:00Z\r\n"
        "d,2026-10-25T01:30:00Z\r\n");
  REQUIRE(base::SetOfficeTimeZone("UTC").ok());
}

TEST_CASE("the default header names every CDR field of the API", "[export]") {
  MemorySource source;
  const std::string csv = Csv(source, CsvOptions{});
  CHECK(csv ==
        "uuid,linked_uuids,site_id,direction,caller,caller_name,account_id,destination,normalised_number,zone,"
        "prefix,rate_plan,price_per_minute,connection_fee,start_time,answer_time,bridge_time,end_time,duration,"
        "billsec,billusec,billable_seconds,cost,charged,hangup_cause,disposition,deny_reason,gateway,pin_id,pin_"
        "owner\r\n");
}

}  // namespace
}  // namespace tarifador::exports

namespace tarifador::exports {
namespace {

TEST_CASE("For Excel: a byte order mark, ';' and a decimal comma for Spanish, leading zeros kept, readable results",
          "[export][excel]") {
  MemorySource source;
  billing::Cdr cdr = SampleCdr("u-1", Us("2026-11-05T10:00:00Z"));
  cdr.caller_name = "Recepción; planta 1";  // the separator inside a field: quoted
  source.Add(cdr);
  billing::Cdr refused = SampleCdr("u-2", Us("2026-11-05T11:00:00Z"));
  refused.destination = "+=1+2";  // not a plain number: no formula of ours, and the guard still neutralises it
  refused.disposition = billing::Disposition::kDenied;
  source.Add(refused);
  CsvOptions options;
  options.columns = {AccountingColumns().begin(), AccountingColumns().end()};
  options.times = TimeMode::kUtc;

  options.sheet = {true, true, true};
  CHECK(
      Csv(source, options) ==
      "\xEF\xBB\xBF"
      "start_time;caller;caller_name;account_id;destination;zone;billsec;price_per_minute;cost;charged;disposition\r\n"
      "2026-11-05T10:00:00Z;1001;\"Recepción; planta 1\";7;\"=\"\"0034911234567\"\"\";Spain;65;12,3400;13,5740;"
      "13,5740;Contestada\r\n"
      "2026-11-05T11:00:00Z;1001;Alice;7;'+=1+2;Spain;65;12,3400;13,5740;13,5740;Denegada\r\n");

  options.sheet = {true, false, false};  // English: a decimal point, so ',' between fields
  const std::string en = Csv(source, options);
  CHECK(en.rfind("\xEF\xBB\xBF"
                 "start_time,caller,",
                 0) == 0);
  CHECK_THAT(en, Catch::Contains(",\"=\"\"0034911234567\"\"\",Spain,65,12.3400,13.5740,13.5740,Answered\r\n"));
  CHECK_THAT(en, Catch::Contains(",Refused\r\n"));

  options.sheet = {};  // the plain CSV is unchanged: no mark, numbers as they are
  const std::string plain = Csv(source, options);
  CHECK(plain.rfind("start_time,caller,", 0) == 0);
  CHECK_THAT(plain, Catch::Contains(",0034911234567,Spain,65,12.3400,13.5740,13.5740,answered\r\n"));
}

}  // namespace
}  // namespace tarifador::exports
