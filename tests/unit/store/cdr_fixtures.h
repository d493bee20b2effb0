#pragma once
// A real billing store (writer + read pool over a temp SQLite file) with
// accounts, extensions and CDRs billed through the real repository, for the
// CDR query tests (tests/unit/store) and the CDR routes tests (tests/unit/http).
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "billing/cdr.h"
#include "store/billing_repository.h"
#include "store/cdr_query.h"
#include "store/read_pool.h"
#include "store/writer.h"
#include "test_support/temp_dir.h"

namespace tarifador::store::testing {

inline const base::Instant kBilledAt = base::Instant::FromSeconds(1'790'000'000);

// An answered outbound call of `caller` on account `account` (1-based, see
// CdrStore) at `start_s` (epoch seconds).
inline billing::Cdr MakeCdr(const std::string& uuid, int64_t start_s, const std::string& caller, int64_t account) {
  billing::Cdr c;
  c.uuid = billing::CallId{uuid};
  c.site_id = "test";
  c.direction = billing::Direction::kOutbound;
  c.caller = caller;
  c.caller_name = "Caller " + caller;
  c.account_id = billing::AccountId{account};
  c.destination = "0034600111222";
  c.normalised = "34600111222";
  c.zone = "mobile";
  c.prefix = "346";
  c.rate_plan = "retail";
  c.price_per_minute = base::Money::FromMicros(100'000);  // 0.10 per minute
  c.start_us = start_s * 1'000'000;
  c.answer_us = c.start_us + 5'000'000;
  c.bridge_us = c.answer_us;
  c.billsec = 60;
  c.end_us = c.answer_us + c.billsec * 1'000'000;
  c.duration_s = 65;
  c.billusec = c.billsec * 1'000'000;
  c.billable_seconds = 60;
  c.cost = base::Money::FromMicros(100'000);
  c.hangup_cause = "NORMAL_CLEARING";
  c.disposition = billing::Disposition::kAnswered;
  c.gateway = "gw1";
  return c;
}

struct CdrStore {
  test_support::TempDir dir;
  std::string path = dir.path() + "/cdrs.db";
  std::unique_ptr<store::Writer> writer;
  std::unique_ptr<store::ReadPool> reads;
  std::unique_ptr<store::BillingRepository> repo;
  std::unique_ptr<store::CdrQuery> query;

  // Accounts 1 "Sales" and 2 "Support" (postpaid, credit 1 000 000),
  // extensions 1001 "Ana" and 1002 "Bo" on account 1, 2001 "Cy" on 2.
  CdrStore() {
    auto w = store::Writer::Start(path);
    REQUIRE(w.ok());
    writer = std::move(*w);
    reads = std::make_unique<store::ReadPool>(path);
    repo = std::make_unique<store::BillingRepository>(*writer, *reads);
    query = std::make_unique<store::CdrQuery>(*reads);
    for (const char* name : {"Sales", "Support"}) {
      auto a = repo->CreateAccount(
          {name, billing::AccountType::kPostpaid, base::Money::FromUnits(1'000'000), std::nullopt}, "test", kBilledAt);
      REQUIRE(a.ok());
    }
    for (auto [number, name, account] :
         {std::tuple{"1001", "Ana", 1}, std::tuple{"1002", "Bo", 1}, std::tuple{"2001", "Cy", 2}}) {
      REQUIRE(
          repo->PutExtension({number, name, billing::AccountId{account}, std::nullopt, true}, "test", kBilledAt).ok());
    }
  }
  ~CdrStore() { writer->Shutdown(); }

  void Bill(const billing::Cdr& cdr) {
    auto r = repo->BillCall(cdr, kBilledAt);
    INFO(r.status().message());
    REQUIRE(r.ok());
  }
};

}  // namespace tarifador::store::testing
