#include "store/cdr_query.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/local_time.h"
#include "unit/store/cdr_fixtures.h"

using namespace tarifador;
using store::CdrFilter;
using store::testing::CdrStore;
using store::testing::MakeCdr;

namespace {

constexpr int64_t kT0 = 1'780'000'000;  // 2026-05-28, seconds

std::vector<std::string> Uuids(const std::vector<billing::Cdr>& cdrs) {
  std::vector<std::string> out;
  for (const auto& c : cdrs) out.push_back(c.uuid.value);
  return out;
}

std::vector<std::string> SearchAll(const store::CdrQuery& q, const CdrFilter& f) {
  auto page = q.Search(f, 1000, std::nullopt);
  REQUIRE(page.ok());
  CHECK_FALSE(page->next_cursor);
  return Uuids(page->items);
}

// Every page of a search, followed by cursor.
std::vector<std::string> AllPages(const store::CdrQuery& q, const CdrFilter& f, int64_t limit) {
  std::vector<std::string> out;
  std::optional<std::string> cursor;
  for (int guard = 0; guard < 1000; ++guard) {
    auto page = q.Search(f, limit, cursor);
    REQUIRE(page.ok());
    CHECK(static_cast<int64_t>(page->items.size()) <= limit);
    for (auto& u : Uuids(page->items)) out.push_back(u);
    if (!page->next_cursor) return out;
    CHECK(static_cast<int64_t>(page->items.size()) == limit);
    cursor = page->next_cursor;
  }
  FAIL("pagination did not end");
  return out;
}

// A varied set: the uuid names say what differs.
void BillVariedSet(CdrStore& s) {
  s.Bill(MakeCdr("a-ana-mobile", kT0, "1001", 1));
  auto national = MakeCdr("b-bo-national", kT0 + 10, "1002", 1);
  national.zone = "national";
  national.normalised = "34912345678";
  national.prefix = "3491";
  national.cost = base::Money::FromMicros(2'500'000);
  s.Bill(national);
  auto cy = MakeCdr("c-cy-intl", kT0 + 20, "2001", 2);
  cy.zone = "international";
  cy.normalised = "4420712345";
  cy.prefix = "44";
  cy.cost = base::Money::FromMicros(5'000'000);
  s.Bill(cy);
  auto busy = MakeCdr("d-ana-busy", kT0 + 30, "1001", 1);
  busy.disposition = billing::Disposition::kBusy;
  busy.billsec = busy.billable_seconds = busy.billusec = 0;
  busy.answer_us = busy.bridge_us = 0;
  busy.cost = base::Money();
  s.Bill(busy);
  auto internal = MakeCdr("e-ana-internal", kT0 + 40, "1001", 1);
  internal.direction = billing::Direction::kInternal;
  internal.zone = internal.prefix = "";
  internal.normalised = internal.destination = "1002";
  internal.cost = base::Money();
  s.Bill(internal);
  auto inbound = MakeCdr("f-inbound", kT0 + 50, "34699000111", 1);
  inbound.direction = billing::Direction::kInbound;
  inbound.account_id.reset();
  inbound.zone = inbound.prefix = "";
  inbound.normalised = inbound.destination = "1001";
  inbound.cost = base::Money();
  s.Bill(inbound);
  // Just past the prefix "346"'s range: "347...".
  auto other = MakeCdr("g-bo-347", kT0 + 60, "1002", 1);
  other.normalised = "34700000000";
  s.Bill(other);
}

}  // namespace

TEST_CASE("CdrQuery: every filter, alone and together") {
  CdrStore s;
  BillVariedSet(s);
  const store::CdrQuery& q = *s.query;
  using V = std::vector<std::string>;

  CHECK(SearchAll(q, {}) ==
        V{"g-bo-347", "f-inbound", "e-ana-internal", "d-ana-busy", "c-cy-intl", "b-bo-national", "a-ana-mobile"});

  CdrFilter f;
  f.from = base::Instant::FromSeconds(kT0 + 10);  // inclusive
  f.to = base::Instant::FromSeconds(kT0 + 30);    // exclusive
  CHECK(SearchAll(q, f) == V{"c-cy-intl", "b-bo-national"});

  f = {};
  f.extension = "1001";
  CHECK(SearchAll(q, f) == V{"e-ana-internal", "d-ana-busy", "a-ana-mobile"});
  f.extension = "9999";
  CHECK(SearchAll(q, f).empty());

  f = {};
  f.account_id = billing::AccountId{2};
  CHECK(SearchAll(q, f) == V{"c-cy-intl"});

  f = {};
  f.direction = billing::Direction::kInbound;
  CHECK(SearchAll(q, f) == V{"f-inbound"});
  f.direction = billing::Direction::kInternal;
  CHECK(SearchAll(q, f) == V{"e-ana-internal"});

  f = {};
  f.zone = "international";
  CHECK(SearchAll(q, f) == V{"c-cy-intl"});

  f = {};
  f.prefix = "346";
  CHECK(SearchAll(q, f) == V{"d-ana-busy", "a-ana-mobile"});
  f.prefix = "34";
  CHECK(SearchAll(q, f) == V{"g-bo-347", "d-ana-busy", "b-bo-national", "a-ana-mobile"});
  f.prefix = "34912345678";  // a whole number is its own prefix
  CHECK(SearchAll(q, f) == V{"b-bo-national"});
  f.prefix = "5";
  CHECK(SearchAll(q, f).empty());

  f = {};
  f.disposition = billing::Disposition::kBusy;
  CHECK(SearchAll(q, f) == V{"d-ana-busy"});

  f = {};
  f.min_cost = base::Money::FromMicros(2'500'000);  // inclusive
  CHECK(SearchAll(q, f) == V{"c-cy-intl", "b-bo-national"});
  f.min_cost = base::Money::FromMicros(2'500'001);
  CHECK(SearchAll(q, f) == V{"c-cy-intl"});

  // Together: ANDed.
  f = {};
  f.extension = "1001";
  f.direction = billing::Direction::kOutbound;
  f.prefix = "346";
  f.disposition = billing::Disposition::kAnswered;
  f.account_id = billing::AccountId{1};
  f.zone = "mobile";
  f.min_cost = base::Money::FromMicros(100'000);
  f.from = base::Instant::FromSeconds(kT0);
  f.to = base::Instant::FromSeconds(kT0 + 1);
  CHECK(SearchAll(q, f) == V{"a-ana-mobile"});
}

TEST_CASE("CdrQuery: Get returns the stored CDR, NotFound otherwise") {
  CdrStore s;
  BillVariedSet(s);
  auto c = s.query->Get(billing::CallId{"c-cy-intl"});
  REQUIRE(c.ok());
  CHECK(c->zone == "international");
  CHECK(c->cost == base::Money::FromMicros(5'000'000));
  CHECK(c->charged == c->cost);
  auto missing = s.query->Get(billing::CallId{"nope"});
  CHECK(missing.status().code() == base::StatusCode::kNotFound);
}

TEST_CASE("CdrQuery: pages cover every row once, in order, with ties on start") {
  CdrStore s;
  std::vector<std::pair<int64_t, std::string>> all;
  // 5 CDRs per second: many start_us ties; uuids not in time order.
  for (int i = 0; i < 103; ++i) {
    const std::string uuid = std::string("u") + std::to_string((i * 37) % 103 + 1000);
    s.Bill(MakeCdr(uuid, kT0 + i / 5, i % 2 ? "1001" : "1002", 1));
    all.emplace_back((kT0 + i / 5) * 1'000'000, uuid);
  }
  std::sort(all.rbegin(), all.rend());
  std::vector<std::string> expected;
  for (auto& [start, uuid] : all) expected.push_back(uuid);

  for (int64_t limit : {1, 4, 5, 7, 102, 103, 1000}) {
    INFO("limit " << limit);
    CHECK(AllPages(*s.query, {}, limit) == expected);
  }
  // With a filter, pages still partition the matching rows.
  CdrFilter f;
  f.extension = "1001";
  const std::vector<std::string> ana = SearchAll(*s.query, f);
  CHECK(ana.size() == 51);
  CHECK(AllPages(*s.query, f, 6) == ana);
}

TEST_CASE("CdrQuery: pagination is stable when CDRs are inserted between pages") {
  CdrStore s;
  for (int i = 0; i < 20; ++i) s.Bill(MakeCdr(std::string("m") + std::to_string(100 + i), kT0 + i / 2, "1001", 1));
  auto first = s.query->Search({}, 8, std::nullopt);
  REQUIRE(first.ok());
  REQUIRE(first->next_cursor);
  const std::string last_seen = first->items.back().uuid.value;
  const int64_t last_start = first->items.back().start_us;

  // New calls: newer than everything, a tie with the cursor's start on both
  // sides of its uuid, and older than everything.
  s.Bill(MakeCdr("z-newest", kT0 + 1000, "1001", 1));
  s.Bill(
      MakeCdr(last_seen + "a", last_start / 1'000'000, "1001", 1));  // after the cursor in DESC order? no: greater uuid
  s.Bill(MakeCdr("m000", last_start / 1'000'000, "1001", 1));        // smaller uuid: still to come
  s.Bill(MakeCdr("a-oldest", kT0 - 1000, "1001", 1));

  std::vector<std::string> rest;
  std::optional<std::string> cursor = first->next_cursor;
  while (cursor) {
    auto page = s.query->Search({}, 8, cursor);
    REQUIRE(page.ok());
    for (auto& u : Uuids(page->items)) rest.push_back(u);
    cursor = page->next_cursor;
  }
  // Exactly the rows after the cursor's position in today's order: the first
  // page's rows are not repeated, none of the old rows is skipped, newer rows
  // (and the tie that sorts before the cursor) are not on later pages.
  std::vector<std::string> seen = Uuids(first->items);
  std::set<std::string> unique(seen.begin(), seen.end());
  for (auto& u : rest) CHECK(unique.insert(u).second);
  const std::vector<std::string> now_all = SearchAll(*s.query, {});
  const auto pos = std::find(now_all.begin(), now_all.end(), last_seen);
  REQUIRE(pos != now_all.end());
  CHECK(rest == std::vector<std::string>(pos + 1, now_all.end()));
  CHECK(std::find(rest.begin(), rest.end(), "m000") != rest.end());
  CHECK(std::find(rest.begin(), rest.end(), "a-oldest") != rest.end());
  CHECK(std::find(rest.begin(), rest.end(), "z-newest") == rest.end());
  CHECK(std::find(rest.begin(), rest.end(), last_seen + "a") == rest.end());
  // Every one of the 20 original rows was seen exactly once.
  for (int i = 0; i < 20; ++i) CHECK(unique.count(std::string("m") + std::to_string(100 + i)) == 1);
}

TEST_CASE("CdrQuery: bad limits and cursors are InvalidArgument") {
  CdrStore s;
  BillVariedSet(s);
  for (int64_t limit : {0, -1, 1001}) {
    CHECK(s.query->Search({}, limit, std::nullopt).status().code() == base::StatusCode::kInvalidArgument);
  }
  for (const std::string& bad :
       std::vector<std::string>{"", "!!!", "abc", "MTI6", "OnV1aWQ", "eHg6dXVpZA", std::string(500, 'A'),
                                store::CdrQuery::EncodeCursor(0, "").substr(0, 2)}) {
    INFO("cursor " << bad);
    auto r = s.query->Search({}, 10, bad);
    CHECK(r.status().code() == base::StatusCode::kInvalidArgument);
  }
  // A well-formed cursor for a position: the rows after it.
  auto r = s.query->Search({}, 10, store::CdrQuery::EncodeCursor((kT0 + 20) * 1'000'000, "c-cy-intl"));
  REQUIRE(r.ok());
  CHECK(Uuids(r->items) == std::vector<std::string>{"b-bo-national", "a-ana-mobile"});
}

TEST_CASE("CdrQuery: ForEach streams every match oldest first and stops on failure") {
  CdrStore s;
  std::vector<std::pair<int64_t, std::string>> all;
  for (int i = 0; i < 60; ++i) {
    const std::string uuid = std::string("s") + std::to_string((i * 7) % 60 + 100);
    s.Bill(MakeCdr(uuid, kT0 + (i % 13), i % 3 ? "1001" : "2001", i % 3 ? 1 : 2));
    all.emplace_back((kT0 + (i % 13)) * 1'000'000, uuid);
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> expected;
  for (auto& [start, uuid] : all) expected.push_back(uuid);

  std::vector<std::string> got;
  REQUIRE(s.query
              ->ForEach({},
                        [&](const billing::Cdr& c) {
                          got.push_back(c.uuid.value);
                          return base::Status::Ok();
                        })
              .ok());
  CHECK(got == expected);

  CdrFilter f;
  f.extension = "2001";
  f.from = base::Instant::FromSeconds(kT0 + 3);
  int64_t n = 0;
  int64_t previous = 0;
  REQUIRE(s.query
              ->ForEach(f,
                        [&](const billing::Cdr& c) {
                          CHECK(c.caller == "2001");
                          CHECK(c.start_us >= (kT0 + 3) * 1'000'000);
                          CHECK(c.start_us >= previous);
                          previous = c.start_us;
                          ++n;
                          return base::Status::Ok();
                        })
              .ok());
  CHECK(n == static_cast<int64_t>(SearchAll(*s.query, f).size()));
  CHECK(n > 0);

  int calls = 0;
  base::Status stopped = s.query->ForEach({}, [&](const billing::Cdr&) {
    return ++calls == 5 ? base::Unavailable("disk full while writing the CSV") : base::Status::Ok();
  });
  CHECK(stopped.code() == base::StatusCode::kUnavailable);
  CHECK(stopped.message() == "disk full while writing the CSV");
  CHECK(calls == 5);
}

TEST_CASE("CdrQuery: summary per extension, account and zone") {
  CdrStore s;
  BillVariedSet(s);
  const auto from = base::Instant::FromSeconds(kT0);
  const auto to = base::Instant::FromSeconds(kT0 + 61);

  auto by_ext = s.query->Summarize(from, to, store::ReportGroup::kExtension);
  REQUIRE(by_ext.ok());
  REQUIRE(by_ext->rows.size() == 4);
  // cost desc: 2001 5.00, 1002 2.50 + 0.10, 1001 0.10, outside caller 0.
  CHECK(by_ext->rows[0].key == "2001");
  CHECK(by_ext->rows[0].name == "Cy");
  CHECK(by_ext->rows[1].key == "1002");
  CHECK(by_ext->rows[1].name == "Bo");
  CHECK(by_ext->rows[1].totals.calls == 2);
  CHECK(by_ext->rows[1].totals.cost == base::Money::FromMicros(2'600'000));
  CHECK(by_ext->rows[2].key == "1001");
  CHECK(by_ext->rows[2].totals.calls == 3);
  CHECK(by_ext->rows[2].totals.answered == 2);  // one busy
  CHECK(by_ext->rows[2].totals.billsec == 120);
  CHECK(by_ext->rows[3].key == "34699000111");
  CHECK(by_ext->rows[3].name.empty());
  CHECK(by_ext->totals.calls == 7);
  CHECK(by_ext->totals.cost == base::Money::FromMicros(7'700'000));

  auto by_account = s.query->Summarize(from, to, store::ReportGroup::kAccount);
  REQUIRE(by_account.ok());
  REQUIRE(by_account->rows.size() == 3);
  CHECK(by_account->rows[0].key == "2");
  CHECK(by_account->rows[0].name == "Support");
  CHECK(by_account->rows[1].key == "1");
  CHECK(by_account->rows[1].name == "Sales");
  CHECK(by_account->rows[1].totals.calls == 5);
  CHECK(by_account->rows[2].key.empty());  // the inbound call has no account
  CHECK(by_account->totals.calls == 7);

  auto by_zone = s.query->Summarize(from, to, store::ReportGroup::kZone);
  REQUIRE(by_zone.ok());
  REQUIRE(by_zone->rows.size() == 4);
  CHECK(by_zone->rows[0].key == "international");
  CHECK(by_zone->rows[1].key == "national");
  CHECK(by_zone->rows[2].key == "mobile");
  CHECK(by_zone->rows[2].totals.calls == 3);
  CHECK(by_zone->rows[3].key.empty());
  CHECK(by_zone->rows[3].totals.cost.is_zero());

  // The period bounds: [from, to).
  auto narrow = s.query->Summarize(base::Instant::FromSeconds(kT0 + 10), base::Instant::FromSeconds(kT0 + 20),
                                   store::ReportGroup::kZone);
  REQUIRE(narrow.ok());
  REQUIRE(narrow->rows.size() == 1);
  CHECK(narrow->rows[0].key == "national");
  auto empty =
      s.query->Summarize(base::Instant::FromSeconds(0), base::Instant::FromSeconds(1), store::ReportGroup::kAccount);
  REQUIRE(empty.ok());
  CHECK(empty->rows.empty());
  CHECK(empty->totals.calls == 0);

  CHECK(store::ParseReportGroup("zone").ok());
  CHECK(store::ParseReportGroup("Zone").status().code() == base::StatusCode::kInvalidArgument);
}

TEST_CASE("CdrQuery: hourly buckets follow the office's local hours, DST days included") {
  const std::string previous_zone = base::OfficeTimeZoneName();
  REQUIRE(base::SetOfficeTimeZone("Europe/Madrid").ok());
  CdrStore s;
  auto at = [](const char* iso) {
    auto t = base::ParseIso8601(iso);
    REQUIRE(t.ok());
    return t->seconds();
  };
  auto format_start = [](const store::HourlyReport& r, size_t h) { return base::FormatLocalIso8601(r.hours[h].start); };

  SECTION("an ordinary day: 24 hours from local midnight") {
    s.Bill(MakeCdr("h-first", at("2026-11-20T23:00:00Z"), "1001", 1));   // 00:00 local, hour 0
    s.Bill(MakeCdr("h-late", at("2026-11-21T22:59:59Z"), "1001", 1));    // 23:59:59 local
    s.Bill(MakeCdr("h-before", at("2026-11-20T22:59:59Z"), "1001", 1));  // the day before
    s.Bill(MakeCdr("h-after", at("2026-11-21T23:00:00Z"), "1001", 1));   // the next day
    auto r = s.query->Hourly(2026, 11, 21);
    REQUIRE(r.ok());
    REQUIRE(r->hours.size() == 24);
    CHECK(format_start(*r, 0) == "2026-11-21T00:00:00+01:00");
    CHECK(format_start(*r, 23) == "2026-11-21T23:00:00+01:00");
    CHECK(r->hours[0].totals.calls == 1);
    CHECK(r->hours[23].totals.calls == 1);
    CHECK(r->totals.calls == 2);
    CHECK(r->totals.answered == 2);
    CHECK(r->totals.cost == base::Money::FromMicros(200'000));
  }
  SECTION("spring forward: 23 hours, 02:00 does not exist") {
    s.Bill(MakeCdr("s-0130", at("2026-03-29T00:30:00Z"), "1001", 1));  // 01:30+01:00
    s.Bill(MakeCdr("s-0330", at("2026-03-29T01:30:00Z"), "1001", 1));  // 03:30+02:00
    auto r = s.query->Hourly(2026, 3, 29);
    REQUIRE(r.ok());
    REQUIRE(r->hours.size() == 23);
    CHECK(format_start(*r, 0) == "2026-03-29T00:00:00+01:00");
    CHECK(format_start(*r, 1) == "2026-03-29T01:00:00+01:00");
    CHECK(format_start(*r, 2) == "2026-03-29T03:00:00+02:00");
    CHECK(format_start(*r, 22) == "2026-03-29T23:00:00+02:00");
    CHECK(r->hours[1].totals.calls == 1);
    CHECK(r->hours[2].totals.calls == 1);
    CHECK(r->totals.calls == 2);
  }
  SECTION("fall back: 25 hours, 02:00 twice") {
    s.Bill(MakeCdr("f-first-0230", at("2026-10-25T00:30:00Z"), "1001", 1));   // 02:30+02:00
    s.Bill(MakeCdr("f-second-0230", at("2026-10-25T01:30:00Z"), "1001", 1));  // 02:30+01:00
    s.Bill(MakeCdr("f-2330", at("2026-10-25T22:30:00Z"), "1001", 1));         // 23:30+01:00
    auto r = s.query->Hourly(2026, 10, 25);
    REQUIRE(r.ok());
    REQUIRE(r->hours.size() == 25);
    CHECK(format_start(*r, 2) == "2026-10-25T02:00:00+02:00");
    CHECK(format_start(*r, 3) == "2026-10-25T02:00:00+01:00");
    CHECK(format_start(*r, 24) == "2026-10-25T23:00:00+01:00");
    CHECK(r->hours[2].totals.calls == 1);
    CHECK(r->hours[3].totals.calls == 1);
    CHECK(r->hours[24].totals.calls == 1);
    CHECK(r->totals.calls == 3);
  }
  SECTION("an invalid date") {
    CHECK(s.query->Hourly(2026, 2, 30).status().code() == base::StatusCode::kInvalidArgument);
    CHECK(s.query->Hourly(2026, 13, 1).status().code() == base::StatusCode::kInvalidArgument);
  }
  REQUIRE(base::SetOfficeTimeZone(previous_zone).ok());
}
