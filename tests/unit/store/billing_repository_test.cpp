#include "store/billing_repository.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "base/local_time.h"
#include "billing/authorizer.h"
#include "billing/call_tracker.h"
#include "billing/ledger.h"
#include "store/alert_store.h"
#include "store/check.h"
#include "store/migrations.h"
#include "test_support/office_zone.h"
#include "test_support/temp_dir.h"
#include "unit/billing/billing_fixtures.h"
#include "unit/billing/strict_call_control.h"

using namespace tarifador;
using billing::AccountId;
using billing::AccountType;
using billing::CallId;
using billing::LedgerKind;
using billing::testing::M;

namespace {

const base::Instant kAt = base::Instant::FromSeconds(1'700'000'000);

struct Store {
  test_support::TempDir dir;
  std::string path = dir.path() + "/billing.db";
  std::unique_ptr<store::Writer> writer;
  std::unique_ptr<store::ReadPool> reads;
  std::unique_ptr<store::BillingRepository> repo;

  Store() {
    auto w = store::Writer::Start(path);
    REQUIRE(w.ok());
    writer = std::move(*w);
    reads = std::make_unique<store::ReadPool>(path);
    repo = std::make_unique<store::BillingRepository>(*writer, *reads);
  }
  ~Store() { writer->Shutdown(); }

  AccountId Account(const char* name, AccountType type = AccountType::kPrepaid, const char* limit = "0") {
    auto a = repo->CreateAccount({name, type, M(limit), {}}, "test", kAt);
    REQUIRE(a.ok());
    return a->id;
  }
  void Recharge(AccountId id, const char* amount) {
    REQUIRE(repo->ApplyMovement({id, LedgerKind::kRecharge, M(amount), "test", "", kAt, {}, {}}).ok());
  }
  billing::Account Get(AccountId id) {
    auto a = repo->GetAccount(id);
    REQUIRE(a.ok());
    return *a;
  }
  int64_t Count(const char* sql) {
    auto lease = reads->Acquire();
    REQUIRE(lease.ok());
    return lease->sql().execAndGet(sql).getInt64();
  }
  base::Status Check() {
    auto lease = reads->Acquire();
    REQUIRE(lease.ok());
    return store::CheckLedgerBalances(lease->sql());
  }
};

// "t<thread>-<i>", built by appending: GCC 12 -O2 reports a bogus -Wrestrict
// for operator+ on a literal and temporaries.
std::string CallName(int thread, int i) {
  std::string out = "t";
  out += std::to_string(thread);
  out += '-';
  out += std::to_string(i);
  return out;
}

billing::Cdr MakeCdr(const std::string& uuid, AccountId account, const char* cost) {
  billing::Cdr c;
  c.uuid = CallId{uuid};
  c.linked = {"b-" + uuid, "c-" + uuid};
  c.site_id = "site-a";
  c.direction = billing::Direction::kOutbound;
  c.caller = "1001";
  c.caller_name = "Alice";
  c.account_id = account;
  c.destination = "00442079460958";
  c.normalised = "442079460958";
  c.zone = "UK";
  c.prefix = "44";
  c.rate_plan = "retail";
  c.price_per_minute = M("0.60");
  c.connection_fee = M("0.05");
  c.start_us = kAt.micros();
  c.answer_us = kAt.micros() + 2'000'000;
  c.bridge_us = kAt.micros() + 2'000'000;
  c.end_us = kAt.micros() + 44'000'000;
  c.duration_s = 44;
  c.billsec = 42;
  c.billusec = 42'000'000;
  c.billable_seconds = 42;
  c.cost = M(cost);
  c.hangup_cause = "NORMAL_CLEARING";
  c.disposition = billing::Disposition::kAnswered;
  c.gateway = "carrier-1";
  return c;
}

// Applies the embedded migrations older than `version`: a store as an older
// tarifador left it.
void MigrateBefore(SQLite::Database& db, int version) {
  auto list = store::ListMigrations(store::EmbeddedMigrations());
  REQUIRE(list.ok());
  std::vector<base::EmbeddedFile> before;
  for (const auto& m : *list) {
    if (m.version < version) before.push_back({m.name, m.sql});
  }
  REQUIRE(store::ApplyMigrations(db, before).ok());
}

}  // namespace

TEST_CASE("Billing migration applies on the previous schema version", "[store][billing]") {
  test_support::TempDir dir;
  SQLite::Database db(dir.path() + "/old.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  MigrateBefore(db, 4);
  db.exec("INSERT INTO rate_plans(name, created_us, updated_us) VALUES ('retail', 1, 1)");
  REQUIRE(store::ApplyMigrations(db, store::EmbeddedMigrations()).ok());
  CHECK(db.execAndGet("PRAGMA user_version").getInt() >= 4);
  CHECK(db.execAndGet("SELECT count(*) FROM rate_plans").getInt() == 1);
  for (const char* table : {"accounts", "extensions", "ledger", "reservations", "cdrs"}) {
    INFO(table);
    CHECK(
        db.execAndGet(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '") + table + "'")
            .getInt() == 1);
  }
  for (const char* index : {"cdrs_start", "cdrs_caller_start", "cdrs_account_start"}) {
    INFO(index);
    CHECK(
        db.execAndGet(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '") + index + "'")
            .getInt() == 1);
  }
}

TEST_CASE("Accounts, extensions and ledger rows round-trip with integer money", "[store][billing]") {
  Store s;
  const AccountId id = s.Account("Sales", AccountType::kPostpaid, "50");
  CHECK(s.repo->CreateAccount({"Sales", AccountType::kPrepaid, {}, {}}, "test", kAt).status().code() ==
        base::StatusCode::kAlreadyExists);
  const billing::Account a = s.Get(id);
  CHECK(a.name == "Sales");
  CHECK(a.type == AccountType::kPostpaid);
  CHECK(a.credit_limit == M("50"));
  CHECK(a.balance == M("0"));
  CHECK(s.repo->GetAccount(AccountId{999}).status().code() == base::StatusCode::kNotFound);

  REQUIRE(s.repo->PutExtension({"1001", "Alice", id, "retail", true}, "user:admin", kAt).ok());
  REQUIRE(s.repo->PutExtension({"1001", "Alice B", id, std::nullopt, false}, "user:admin", kAt).ok());
  const billing::Extension x = *s.repo->GetExtension("1001");
  CHECK(x == billing::Extension{"1001", "Alice B", id, std::nullopt, false});
  CHECK(s.repo->GetExtension("1002").status().code() == base::StatusCode::kNotFound);
  CHECK(s.repo->PutExtension({"1003", "", AccountId{999}, std::nullopt, true}, "t", kAt).code() ==
        base::StatusCode::kNotFound);
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action IN ('account.create', 'extension.put')") == 3);

  base::FakeClock clock(kAt);
  billing::Ledger ledger(*s.repo, clock);
  REQUIRE(ledger.Recharge(id, M("12.345678"), "user:alice", "cash").ok());
  REQUIRE(ledger.Adjust(id, M("-62.345678"), "user:alice", "to the limit").ok());
  CHECK(ledger.Adjust(id, M("-0.000001"), "user:alice", "").status().code() == base::StatusCode::kFailedPrecondition);
  REQUIRE(ledger.Refund(id, M("1"), "user:alice", "dropped call", CallId{"u-9"}).ok());
  auto rows = s.repo->ListLedger(id, 0, 100);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 3);
  CHECK((*rows)[0].amount == M("12.345678"));
  CHECK((*rows)[0].reason == "cash");
  CHECK((*rows)[1].balance_after == M("-50"));
  CHECK((*rows)[2].kind == LedgerKind::kRefund);
  CHECK((*rows)[2].call == CallId{"u-9"});
  CHECK((*rows)[2].balance_after == M("-49"));
  CHECK(s.repo->ListLedger(id, (*rows)[1].id, 100)->size() == 1);
  CHECK(s.Get(id).balance == M("-49"));
  CHECK(s.Count("SELECT typeof(amount_micros) = 'integer' FROM ledger LIMIT 1") == 1);
  CHECK(s.Check().ok());
}

TEST_CASE("Ledger rows cannot be updated or deleted", "[store][billing]") {
  Store s;
  const AccountId id = s.Account("Guest");
  s.Recharge(id, "5");
  const base::Status update = s.writer->Run([](SQLite::Database& db) {
    db.exec("UPDATE ledger SET amount_micros = 1");
    return base::Status::Ok();
  });
  CHECK_FALSE(update.ok());
  CHECK(update.message().find("append-only") != std::string::npos);
  const base::Status del = s.writer->Run([](SQLite::Database& db) {
    db.exec("DELETE FROM ledger");
    return base::Status::Ok();
  });
  CHECK_FALSE(del.ok());
  CHECK(del.message().find("append-only") != std::string::npos);
  CHECK(s.Count("SELECT amount_micros FROM ledger") == 5'000'000);
}

TEST_CASE("Recharges with an idempotency key are applied once", "[store][billing]") {
  Store s;
  const AccountId id = s.Account("Guest");
  billing::Movement m{id, LedgerKind::kRecharge, M("5"), "token:shop", "voucher", kAt, {}, "order-77"};
  auto first = s.repo->ApplyMovement(m);
  REQUIRE(first.ok());
  auto again = s.repo->ApplyMovement(m);
  REQUIRE(again.ok());
  CHECK(again->replayed);
  CHECK(again->entry == first->entry);
  m.amount = M("50");
  CHECK(s.repo->ApplyMovement(m).status().code() == base::StatusCode::kFailedPrecondition);
  CHECK(s.Get(id).balance == M("5"));
  CHECK(s.Count("SELECT count(*) FROM ledger") == 1);
}

TEST_CASE("Billing a call writes CDR, charge and release together, once", "[store][billing]") {
  Store s;
  const AccountId id = s.Account("Guest");
  s.Recharge(id, "1.00");
  REQUIRE(s.repo->Reserve({CallId{"u-1"}, id, M("0.60"), 60, kAt, kAt}).ok());
  CHECK(s.repo->Reserve({CallId{"u-1"}, id, M("0.10"), 10, kAt, kAt}).status().code() ==
        base::StatusCode::kAlreadyExists);
  CHECK(s.Get(id).reserved == M("0.60"));

  const billing::Cdr cdr = MakeCdr("u-1", id, "0.47");
  auto billed = s.repo->BillCall(cdr, kAt);
  REQUIRE(billed.ok());
  CHECK(billed->charged == M("0.47"));
  REQUIRE(billed->charge);
  CHECK(billed->charge->amount == M("-0.47"));
  CHECK(billed->charge->balance_after == M("0.53"));
  CHECK(billed->charge->kind == LedgerKind::kCallCharge);
  REQUIRE(billed->released);
  CHECK(billed->released->amount == M("0.60"));
  const billing::Account a = s.Get(id);
  CHECK(a.balance == M("0.53"));
  CHECK(a.reserved == M("0"));
  billing::Cdr stored = *s.repo->GetCdr(CallId{"u-1"});
  billing::Cdr want = cdr;
  want.charged = M("0.47");
  CHECK(stored == want);

  // The same HANGUP_COMPLETE again: refused, and nothing moves.
  auto twice = s.repo->BillCall(cdr, kAt);
  CHECK(twice.status().code() == base::StatusCode::kAlreadyExists);
  CHECK(twice.status().message() == "call u-1 is already billed");
  CHECK(s.Get(id).balance == M("0.53"));
  CHECK(s.Count("SELECT count(*) FROM ledger") == 2);
  CHECK(s.Count("SELECT count(*) FROM cdrs") == 1);
  CHECK(s.Check().ok());
}

TEST_CASE("A billed call gets no reservation, and check names one left open", "[store][billing]") {
  Store s;
  const AccountId id = s.Account("Guest");
  s.Recharge(id, "5.00");
  REQUIRE(s.repo->BillCall(MakeCdr("u-done", id, "0.47"), kAt).ok());
  // Asked for after the call's billing (a re-attach racing its
  // HANGUP_COMPLETE): nothing would ever release it.
  auto late = s.repo->Reserve({CallId{"u-done"}, id, M("0.60"), 60, kAt, kAt});
  CHECK(late.status().code() == base::StatusCode::kAlreadyExists);
  CHECK(late.status().message().find("already billed") != std::string::npos);
  CHECK(s.Get(id).reserved == M("0"));
  CHECK(s.Count("SELECT count(*) FROM reservations") == 0);
  CHECK(s.Check().ok());

  // One left open by a store written before that rule: `tarifador check` names it.
  REQUIRE(s.writer
              ->Run([id](SQLite::Database& db) {
                SQLite::Statement st(
                    db,
                    "INSERT OR REPLACE INTO reservations(call_uuid, account_id, amount_micros, covered_s, "
                    "created_us, updated_us) VALUES ('u-done', ?, 2000000, 20, 0, 0)");
                st.bind(1, static_cast<int64_t>(id.value));
                st.exec();
                db.exec("UPDATE accounts SET reserved_micros = 2000000");
                return base::Status::Ok();
              })
              .ok());
  const base::Status found = s.Check();
  CHECK_FALSE(found.ok());
  CHECK(found.message().find("u-done") != std::string::npos);
  CHECK(found.message().find("already billed") != std::string::npos);
}

TEST_CASE("A billing that fails half-way leaves nothing behind", "[store][billing]") {
  Store s;
  const AccountId id = s.Account("Guest");
  s.Recharge(id, "1.00");
  REQUIRE(s.repo->Reserve({CallId{"u-2"}, id, M("0.60"), 60, kAt, kAt}).ok());
  billing::Cdr bad = MakeCdr("u-2", id, "0.30");
  bad.billsec = -1;  // refused by the cdrs table's CHECK, after the charge and the release ran
  CHECK_FALSE(s.repo->BillCall(bad, kAt).ok());
  CHECK(s.Get(id).balance == M("1.00"));
  CHECK(s.Get(id).reserved == M("0.60"));
  CHECK(s.Count("SELECT count(*) FROM ledger") == 1);
  CHECK(s.Count("SELECT count(*) FROM cdrs") == 0);
  CHECK(s.repo->GetReservation(CallId{"u-2"}).ok());
}

TEST_CASE("A charge beyond what the account may spend stops at its floor", "[store][billing]") {
  Store s;
  const AccountId id = s.Account("Guest");
  s.Recharge(id, "1.00");
  REQUIRE(s.repo->Reserve({CallId{"other"}, id, M("0.30"), 30, kAt, kAt}).ok());
  REQUIRE(s.repo->Reserve({CallId{"u-3"}, id, M("0.50"), 50, kAt, kAt}).ok());
  // u-3 ran over its reservation; the other call's 0.30 stays covered.
  auto billed = s.repo->BillCall(MakeCdr("u-3", id, "0.90"), kAt);
  REQUIRE(billed.ok());
  CHECK(billed->charged == M("0.70"));
  CHECK(s.Get(id).balance == M("0.30"));
  CHECK(s.Get(id).reserved == M("0.30"));
  CHECK(s.repo->GetCdr(CallId{"u-3"})->charged == M("0.70"));
  CHECK(s.repo->GetCdr(CallId{"u-3"})->cost == M("0.90"));
  CHECK(s.Check().ok());
}

TEST_CASE("Concurrent calls of one account never reserve more than it has", "[store][billing]") {
  Store s;
  const AccountId id = s.Account("Shared");
  s.Recharge(id, "10.00");
  rating::RateBookHolder rates;
  rates.Publish(billing::testing::RetailBook());
  REQUIRE(s.repo->PutExtension({"1001", "Alice", id, "retail", true}, "test", kAt).ok());
  billing::Authorizer authorizer(*s.repo, rates, rating::NumberNormaliser(), {});

  constexpr int kThreads = 8;
  constexpr int kCallsEach = 12;
  std::atomic<int> reserved_calls{0};
  std::atomic<int> refused{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        const CallId call{CallName(t, i)};
        auto a = authorizer.Authorize("1001", "442079460958", kAt);
        if (!a.ok()) {
          ++failures;
          continue;
        }
        if (!a->allowed) {
          ++refused;
          continue;
        }
        // Each call holds a full minute (0.60): 16 fit into 10.00, not 17.
        auto r = s.repo->Reserve({call, id, M("0.60"), 60, kAt, kAt});
        if (r.ok()) {
          ++reserved_calls;
        } else if (r.status().code() == base::StatusCode::kFailedPrecondition) {
          ++refused;
        } else {
          ++failures;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(reserved_calls == 16);
  CHECK(refused == kThreads * kCallsEach - 16);
  CHECK(s.Get(id).reserved == M("9.60"));
  CHECK(billing::AvailableMoney(s.Get(id)) == M("0.40"));

  // Bill them concurrently, each using all it reserved plus a little more.
  threads.clear();
  std::atomic<int> billed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        const std::string uuid = CallName(t, i);
        if (s.repo->BillCall(MakeCdr(uuid, id, "0.65"), kAt).ok()) ++billed;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(billed == kThreads * kCallsEach);
  const billing::Account a = s.Get(id);
  CHECK(a.balance >= M("0"));
  CHECK(a.reserved == M("0"));
  CHECK(a.balance == M("0"));  // 16 x 0.60 reserved + 0.40 free: the overruns took the rest
  CHECK(s.Count("SELECT sum(charged_micros) FROM cdrs") == 10'000'000);
  CHECK(s.Check().ok());
}

TEST_CASE("Balance equals the ledger sum after a random sequence of operations", "[store][billing]") {
  const uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  Store s;
  const AccountId accounts[] = {s.Account("P1"), s.Account("P2"), s.Account("Post", AccountType::kPostpaid, "20")};
  const auto money = [&](int64_t max_micros) {
    return base::Money::FromMicros(std::uniform_int_distribution<int64_t>(1, max_micros)(rng));
  };
  std::vector<std::pair<CallId, AccountId>> open;
  int next_call = 0;
  for (int step = 0; step < 400; ++step) {
    const AccountId id = accounts[std::uniform_int_distribution<int>(0, 2)(rng)];
    const int op = std::uniform_int_distribution<int>(0, 6)(rng);
    INFO("step " << step << " op " << op);
    if (op == 0) {
      REQUIRE(s.repo->ApplyMovement({id, LedgerKind::kRecharge, money(5'000'000), "t", "", kAt, {}, {}}).ok());
    } else if (op == 1) {
      REQUIRE(s.repo->ApplyMovement({id, LedgerKind::kRefund, money(500'000), "t", "", kAt, {}, {}}).ok());
    } else if (op == 2) {
      base::Money amount = money(3'000'000);
      if (rng() % 2) amount = -amount;
      auto r = s.repo->ApplyMovement({id, LedgerKind::kAdjustment, amount, "t", "", kAt, {}, {}});
      REQUIRE((r.ok() || r.status().code() == base::StatusCode::kFailedPrecondition));
    } else if (op == 3 || op == 4) {
      const CallId call{std::string("c").append(std::to_string(next_call++))};
      auto r = s.repo->Reserve({call, id, money(2'000'000), 60, kAt, kAt});
      REQUIRE((r.ok() || r.status().code() == base::StatusCode::kFailedPrecondition));
      if (r.ok()) open.emplace_back(call, id);
    } else if (!open.empty()) {
      const size_t k = std::uniform_int_distribution<size_t>(0, open.size() - 1)(rng);
      const auto [call, owner] = open[k];
      if (op == 5) {
        auto r = s.repo->ExtendReservation(call, money(4'000'000), 120, kAt);
        REQUIRE((r.ok() || r.status().code() == base::StatusCode::kFailedPrecondition));
      } else {
        const base::Money cost = base::Money::FromMicros(std::uniform_int_distribution<int64_t>(0, 4'000'000)(rng));
        REQUIRE(s.repo->BillCall(MakeCdr(call.value, owner, cost.ToString(6).c_str()), kAt).ok());
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    for (const AccountId a : accounts) {
      const billing::Account acc = s.Get(a);
      REQUIRE(billing::AvailableMoney(acc) >= M("0"));
      REQUIRE(acc.balance >= billing::BalanceFloor(acc));
    }
  }
  const base::Status check = s.Check();
  INFO(check.message());
  CHECK(check.ok());
  for (const AccountId a : accounts) {
    auto rows = s.repo->ListLedger(a, 0, 100'000);
    REQUIRE(rows.ok());
    base::Money sum;
    for (const auto& r : *rows) sum += r.amount;
    CHECK(sum == s.Get(a).balance);
  }
}

TEST_CASE("tarifador check fails on a tampered balance", "[store][billing]") {
  Store s;
  const AccountId id = s.Account("Guest");
  s.Recharge(id, "5");
  REQUIRE(s.repo->Reserve({CallId{"u-1"}, id, M("1"), 60, kAt, kAt}).ok());
  const auto ledger_check = [&]() -> store::CheckResult {
    const store::CheckReport report = store::CheckStore(s.path);
    for (const auto& c : report.checks) {
      if (c.name == "ledger_balances") return c;
    }
    return {"<missing>", false, ""};
  };
  store::CheckResult healthy = ledger_check();
  CHECK(healthy.name == "ledger_balances");
  CHECK(healthy.ok);

  REQUIRE(s.writer
              ->Run([](SQLite::Database& db) {
                db.exec("UPDATE accounts SET balance_micros = balance_micros + 1");
                return base::Status::Ok();
              })
              .ok());
  store::CheckResult tampered = ledger_check();
  CHECK_FALSE(tampered.ok);
  CHECK(tampered.detail.find("off by 0.000001") != std::string::npos);
  CHECK_FALSE(store::CheckStore(s.path).ok);

  REQUIRE(s.writer
              ->Run([](SQLite::Database& db) {
                db.exec("UPDATE accounts SET balance_micros = balance_micros - 1, reserved_micros = 0");
                return base::Status::Ok();
              })
              .ok());
  tampered = ledger_check();
  CHECK_FALSE(tampered.ok);
  CHECK(tampered.detail.find("open reservations") != std::string::npos);
}

TEST_CASE("The call tracker bills through the SQLite repository once", "[store][billing]") {
  Store s;
  base::FakeClock clock(kAt);
  const AccountId id = s.Account("Office");
  s.Recharge(id, "1.00");
  REQUIRE(s.repo->PutExtension({"1001", "Alice", id, std::nullopt, true}, "test", kAt).ok());
  rating::RateBookHolder rates;
  rates.Publish(billing::testing::RetailBook());
  billing::Authorizer::Options auth_options;
  auth_options.default_plan = "retail";
  billing::Authorizer authorizer(*s.repo, rates, rating::NumberNormaliser(), auth_options);
  billing::testing::StrictCallControl control;
  billing::CallTracker tracker(*s.repo, authorizer, control, clock, {});

  billing::testing::LegScript a;
  a.uuid = "a-sql";
  a.t0_us = kAt.micros();
  control.ExpectScheduleHangup("a-sql", 100, billing::kCauseOutOfTime);
  REQUIRE(tracker.OnEvent(a.Create()).ok());
  CHECK(s.Get(id).reserved == M("0.60"));
  const int64_t c = kAt.micros() + 3'000'000;
  REQUIRE(tracker.OnEvent(a.Answer(c)).ok());
  REQUIRE(tracker.OnEvent(a.Bridge(c)).ok());
  const billing::CallEvent done = a.HangupComplete(c, c, c + 61'500'000);
  REQUIRE(tracker.OnEvent(done).ok());
  REQUIRE(tracker.OnEvent(done).ok());  // replayed
  CHECK(s.Get(id).balance == M("0.39"));
  CHECK(s.Get(id).reserved == M("0"));
  CHECK(s.Count("SELECT count(*) FROM cdrs") == 1);
  CHECK(s.Count("SELECT count(*) FROM ledger WHERE kind = 'call_charge'") == 1);
  CHECK(s.Count("SELECT billsec FROM cdrs") == 61);
  CHECK(s.Check().ok());
  control.Verify();
}

TEST_CASE("Queued extensions and releases apply in submission order with reservations and billings",
          "[store][billing]") {
  Store s;
  const AccountId id = s.Account("Queued");
  s.Recharge(id, "5.00");
  // Told on the writer thread after each commit, before its `done`.
  std::vector<base::Money> reserved_seen;
  s.repo->set_money_observer([&](const billing::Account& a) { reserved_seen.push_back(a.reserved); });

  // Nothing below waits until the last write: they are all queued, and the
  // writer runs them in this order. Each `done` runs on the writer thread.
  std::mutex mu;
  std::vector<int> completed;
  const auto note = [&](int i) {
    std::lock_guard lock(mu);
    completed.push_back(i);
  };
  std::optional<base::Result<billing::Reservation>> reserved, extended, after_bill, refused, reserved2, after_release;
  std::optional<base::Result<billing::CallBilled>> billed;
  std::optional<base::Status> released, released_again;
  std::promise<void> last;

  const CallId q1{"q-1"}, q2{"q-2"};
  s.repo->ReserveAsync({q1, id, M("0.60"), 60, kAt, kAt}, [&](base::Result<billing::Reservation> r) {
    reserved.emplace(std::move(r));
    note(1);
  });
  s.repo->ExtendReservationAsync(q1, M("1.20"), 120, kAt, [&](base::Result<billing::Reservation> r) {
    extended.emplace(std::move(r));
    note(2);
  });
  s.repo->BillCallAsync(MakeCdr("q-1", id, "0.42"), kAt, [&](base::Result<billing::CallBilled> r) {
    billed.emplace(std::move(r));
    note(3);
  });
  // After the billing: there is nothing left to extend, and nothing is held.
  s.repo->ExtendReservationAsync(q1, M("1.80"), 180, kAt, [&](base::Result<billing::Reservation> r) {
    after_bill.emplace(std::move(r));
    note(4);
  });
  s.repo->ReserveAsync({q2, id, M("0.60"), 60, kAt, kAt}, [&](base::Result<billing::Reservation> r) {
    reserved2.emplace(std::move(r));
    note(5);
  });
  // More than the account has: refused, and nothing changes.
  s.repo->ExtendReservationAsync(q2, M("9.00"), 900, kAt, [&](base::Result<billing::Reservation> r) {
    refused.emplace(std::move(r));
    note(6);
  });
  s.repo->ReleaseReservationAsync(q2, [&](base::Status r) {
    released.emplace(std::move(r));
    note(7);
  });
  s.repo->ExtendReservationAsync(q2, M("1.20"), 120, kAt, [&](base::Result<billing::Reservation> r) {
    after_release.emplace(std::move(r));
    note(8);
  });
  s.repo->ReleaseReservationAsync(q2, [&](base::Status r) {
    released_again.emplace(std::move(r));
    note(9);
    last.set_value();
  });
  last.get_future().get();  // the writer calls each `done` in order: all have run

  CHECK(completed == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  REQUIRE(reserved->ok());
  REQUIRE(extended->ok());
  CHECK((*extended)->amount == M("1.20"));
  CHECK((*extended)->covered_s == 120);
  REQUIRE(billed->ok());
  REQUIRE((*billed)->released.has_value());
  CHECK((*billed)->released->amount == M("1.20"));  // the extension was applied before the billing
  CHECK((*billed)->released->covered_s == 120);
  CHECK((*billed)->charged == M("0.42"));
  CHECK(after_bill->status().code() == base::StatusCode::kNotFound);
  REQUIRE(reserved2->ok());
  CHECK(refused->status().code() == base::StatusCode::kFailedPrecondition);
  CHECK(released->ok());
  CHECK(after_release->status().code() == base::StatusCode::kNotFound);
  CHECK(released_again->ok());  // none left: OK, as ReleaseReservation

  // Told of each money move: reserved, extended, billed (released), reserved,
  // released; not of the refused writes nor of releasing nothing.
  CHECK(reserved_seen == std::vector<base::Money>{M("0.60"), M("1.20"), M("0"), M("0.60"), M("0")});
  CHECK(s.Get(id).reserved == M("0"));
  CHECK(s.Get(id).balance == M("4.58"));
  CHECK(s.Count("SELECT count(*) FROM reservations") == 0);
  CHECK(s.Check().ok());
}

TEST_CASE("Accounts and extensions list in pages, creates refuse duplicates, money moves are audited",
          "[store][billing]") {
  Store s;
  CHECK(s.repo->ListAccounts(AccountId{0}, 10)->empty());
  CHECK(s.repo->ListExtensions("", 10)->empty());
  const AccountId a = s.Account("Alpha");
  const AccountId b = s.Account("Beta", AccountType::kPostpaid, "20");
  const AccountId c = s.Account("Gamma");

  auto first = s.repo->ListAccounts(AccountId{0}, 2);
  REQUIRE(first.ok());
  REQUIRE(first->size() == 2);
  CHECK((*first)[0].id == a);
  CHECK((*first)[1].id == b);
  CHECK((*first)[1] == s.Get(b));
  auto rest = s.repo->ListAccounts(b, 2);
  REQUIRE(rest.ok());
  REQUIRE(rest->size() == 1);
  CHECK((*rest)[0].id == c);
  CHECK(s.repo->ListAccounts(c, 2)->empty());

  // Byte order: "1001" < "1002" < "200" < "20a".
  for (const char* number : {"200", "1002", "20a", "1001"}) {
    REQUIRE(s.repo->CreateExtension({number, "", a, std::nullopt, true}, "user:admin", kAt).ok());
  }
  auto page = s.repo->ListExtensions("", 3);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 3);
  CHECK((*page)[0].number == "1001");
  CHECK((*page)[1].number == "1002");
  CHECK((*page)[2].number == "200");
  auto last = s.repo->ListExtensions("200", 3);
  REQUIRE(last.ok());
  REQUIRE(last->size() == 1);
  CHECK((*last)[0] == billing::Extension{"20a", "", a, std::nullopt, true});

  // A create never replaces, and a refused create changes nothing.
  CHECK(s.repo->CreateExtension({"1001", "Other", b, "retail", false}, "user:admin", kAt).code() ==
        base::StatusCode::kAlreadyExists);
  CHECK(*s.repo->GetExtension("1001") == billing::Extension{"1001", "", a, std::nullopt, true});
  CHECK(s.repo->CreateExtension({"3000", "", AccountId{999}, std::nullopt, true}, "user:admin", kAt).code() ==
        base::StatusCode::kNotFound);
  CHECK(s.repo->CreateExtension({"bad number", "", a, std::nullopt, true}, "user:admin", kAt).code() ==
        base::StatusCode::kInvalidArgument);
  CHECK(s.Count("SELECT count(*) FROM extensions") == 4);
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'extension.create' AND actor = 'user:admin'") == 4);

  // Recharges, refunds and adjustments are audited with their row; a replay
  // is not (nothing changed), nor is a refused debit.
  const billing::Movement recharge{a, LedgerKind::kRecharge, M("5"), "user:op", "cash", kAt, {}, "key-1"};
  REQUIRE(s.repo->ApplyMovement(recharge).ok());
  REQUIRE(s.repo->ApplyMovement(recharge)->replayed);
  CHECK(s.repo->ApplyMovement({a, LedgerKind::kAdjustment, M("-9"), "user:op", "", kAt, {}, {}}).status().code() ==
        base::StatusCode::kFailedPrecondition);
  REQUIRE(s.repo->ApplyMovement({a, LedgerKind::kAdjustment, M("-1"), "user:op", "fix", kAt, {}, {}}).ok());
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'ledger.recharge' AND actor = 'user:op' AND "
                "target = 'account:1'") == 1);
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'ledger.adjustment'") == 1);
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'ledger.recharge' AND "
                "json_extract(detail, '$.amount') = '5.0000' AND json_extract(detail, '$.idempotency_key') = "
                "'key-1'") == 1);
  CHECK(s.Check().ok());
}

namespace {

// The named check `name` of a full `tarifador check` of the store.
store::CheckResult NamedCheckOf(const std::string& path, std::string_view name) {
  for (const auto& c : store::CheckStore(path).checks) {
    if (c.name == name) return c;
  }
  return {"<missing>", false, ""};
}

}  // namespace

TEST_CASE("A monthly budget limits concurrent reservations and counts charges by the call's month",
          "[store][billing][budget]") {
  test_support::OfficeZone zone("Europe/Madrid");
  Store s;
  const AccountId id = s.Account("Sales");
  s.Recharge(id, "100");
  billing::AccountChanges budget;
  budget.monthly_budget = M("10");
  auto changed = s.repo->UpdateAccount(id, budget, "user:boss", kAt);
  REQUIRE(changed.ok());
  CHECK(changed->monthly_budget == M("10"));
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'account.update' AND actor = 'user:boss' AND "
                "detail LIKE '%none -> 10%'") == 1);

  // Reservations count against the budget in the same transaction as the
  // money: 6 + 4 fit, one micro-unit more does not.
  const base::Instant december = test_support::Utc("2026-12-31T22:00:00Z");  // 23:00 in Madrid
  REQUIRE(s.repo->Reserve({CallId{"u-1"}, id, M("6"), 60, december, december}).ok());
  auto over = s.repo->Reserve({CallId{"u-2"}, id, M("4.000001"), 60, december, december});
  REQUIRE(over.status().code() == base::StatusCode::kFailedPrecondition);
  CHECK(over.status().message().find("monthly budget of 10.0000 reached, 4.0000 left") != std::string::npos);
  REQUIRE(s.repo->Reserve({CallId{"u-2"}, id, M("4"), 60, december, december}).ok());
  CHECK_FALSE(s.repo->ExtendReservation(CallId{"u-2"}, M("4.5"), 90, december).ok());
  CHECK(billing::CallableMoney(s.Get(id), december, {}) == M("0"));

  // u-1 started on 31 December (Madrid), u-2 a minute after midnight: the
  // charges go to their own months.
  billing::Cdr first = MakeCdr("u-1", id, "5.5");
  first.start_us = december.micros();
  REQUIRE(s.repo->BillCall(first, december).ok());
  billing::Cdr second = MakeCdr("u-2", id, "3");
  second.start_us = test_support::Utc("2026-12-31T23:01:00Z").micros();  // 00:01 on 1 January in Madrid
  REQUIRE(s.repo->BillCall(second, december).ok());
  CHECK(s.Count("SELECT spent_micros FROM budget_spend WHERE month = 202612") == 5'500'000);
  CHECK(s.Count("SELECT spent_micros FROM budget_spend WHERE month = 202701") == 3'000'000);
  const billing::Account after = s.Get(id);
  CHECK(after.spent_month == 202701);
  CHECK(after.month_spent == M("3"));
  CHECK(billing::BudgetLeft(after, test_support::Utc("2027-01-10T12:00:00Z")) == M("7"));
  CHECK(billing::BudgetLeft(after, test_support::Utc("2027-02-01T12:00:00Z")) == M("10"));
  CHECK(after.balance == M("91.5"));

  // tarifador check proves the counters against the CDRs.
  CHECK(NamedCheckOf(s.path, "budget_spend").ok);
  REQUIRE(s.writer
              ->Run([](SQLite::Database& db) {
                db.exec("UPDATE budget_spend SET spent_micros = spent_micros + 1 WHERE month = 202701");
                return base::Status::Ok();
              })
              .ok());
  const store::CheckResult tampered = NamedCheckOf(s.path, "budget_spend");
  CHECK_FALSE(tampered.ok);
  CHECK(tampered.detail == "account 1 month 2027-01: budget spend 3.000001 but its calls were charged 3.0000");
}

TEST_CASE("A daily spend cap limits concurrent reservations and counts charges by the call's office day",
          "[store][billing][daily]") {
  test_support::OfficeZone zone("America/Mexico_City");  // -06:00
  Store s;
  // The box-wide cap is 10; Sales has none of its own, Support lifts it.
  store::BillingRepository repo(*s.writer, *s.reads, std::nullopt, billing::SpendPolicy{M("10"), false});
  const AccountId sales = s.Account("Sales");
  const AccountId support = s.Account("Support");
  s.Recharge(sales, "100");
  s.Recharge(support, "100");
  REQUIRE(s.writer
              ->Run([](SQLite::Database& db) {
                db.exec("UPDATE outbox_state SET enabled = 1");  // as a box that mirrors
                return base::Status::Ok();
              })
              .ok());
  billing::AccountChanges lift;
  lift.daily_limit = M("0");
  REQUIRE(repo.UpdateAccount(support, lift, "user:boss", kAt).ok());
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'account.update' AND "
                "detail LIKE '%\"daily_limit\":\"box-wide -> 0.0000\"%'") == 1);
  CHECK(s.Count("SELECT count(*) FROM outbox WHERE tbl = 'accounts' AND "
                "json_extract(payload, '$.daily_limit_micros') = 0") == 1);

  const base::Instant evening = test_support::Utc("2026-12-09T05:00:00Z");  // 23:00 on 8 December
  REQUIRE(repo.Reserve({CallId{"d-1"}, sales, M("6"), 60, evening, evening}).ok());
  auto over = repo.Reserve({CallId{"d-2"}, sales, M("4.000001"), 60, evening, evening});
  REQUIRE(over.status().code() == base::StatusCode::kFailedPrecondition);
  CHECK(over.status().message().find("daily spend cap of 10.0000 reached, 4.0000 left") != std::string::npos);
  REQUIRE(repo.Reserve({CallId{"d-2"}, sales, M("4"), 60, evening, evening}).ok());
  CHECK_FALSE(repo.ExtendReservation(CallId{"d-2"}, M("4.5"), 90, evening).ok());
  REQUIRE(repo.Reserve({CallId{"d-3"}, support, M("50"), 60, evening, evening}).ok());  // no cap there

  // d-1 started on 8 December, d-2 one minute after midnight (office time).
  billing::Cdr first = MakeCdr("d-1", sales, "5.5");
  first.start_us = evening.micros();
  REQUIRE(repo.BillCall(first, evening).ok());
  billing::Cdr second = MakeCdr("d-2", sales, "3");
  second.start_us = test_support::Utc("2026-12-09T06:01:00Z").micros();
  REQUIRE(repo.BillCall(second, evening).ok());
  CHECK(s.Count("SELECT spent_micros FROM day_spend WHERE day = 20261208") == 5'500'000);
  CHECK(s.Count("SELECT spent_micros FROM day_spend WHERE day = 20261209") == 3'000'000);
  const billing::Account after = s.Get(sales);
  CHECK(after.spent_day == 20261209);
  CHECK(after.day_spent == M("3"));
  CHECK(billing::DayLeft(after, test_support::Utc("2026-12-09T18:00:00Z"), {M("10"), false}) == M("7"));

  // A call refused for the cap raises the guard alert, as every guard does.
  billing::Cdr refused = MakeCdr("d-4", sales, "0");
  refused.disposition = billing::Disposition::kDenied;
  refused.deny_reason = "guard_daily_spend";
  REQUIRE(repo.BillCall(refused, evening).ok());
  CHECK(s.Count("SELECT count(*) FROM alerts WHERE kind = 'guard_tripped' AND detail LIKE '%guard_daily_spend%'") == 1);

  // tarifador check proves the day counters against the CDRs.
  CHECK(NamedCheckOf(s.path, "budget_spend").ok);
  REQUIRE(s.writer
              ->Run([](SQLite::Database& db) {
                db.exec("UPDATE day_spend SET spent_micros = spent_micros + 1 WHERE day = 20261209");
                return base::Status::Ok();
              })
              .ok());
  const store::CheckResult tampered = NamedCheckOf(s.path, "budget_spend");
  CHECK_FALSE(tampered.ok);
  CHECK(tampered.detail == "account 1 day 2026-12-09: day spend 3.000001 but its calls were charged 3.0000");
}

TEST_CASE("Account changes are checked, audited and keep names unique", "[store][billing][budget]") {
  Store s;
  const AccountId sales = s.Account("Sales");
  s.Account("Support");
  billing::AccountChanges rename;
  rename.name = "Support";
  CHECK(s.repo->UpdateAccount(sales, rename, "test", kAt).status().code() == base::StatusCode::kAlreadyExists);
  CHECK(s.repo->UpdateAccount(AccountId{99}, rename, "test", kAt).status().code() == base::StatusCode::kNotFound);
  billing::AccountChanges bad;
  bad.budget_warn_percent = 0;
  CHECK(s.repo->UpdateAccount(sales, bad, "test", kAt).status().code() == base::StatusCode::kInvalidArgument);
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'account.update'") == 0);

  billing::AccountChanges alert;
  alert.name = "Sales team";
  alert.monthly_budget = M("250");
  alert.budget_mode = billing::BudgetMode::kAlert;
  alert.budget_warn_percent = 90;
  auto a = s.repo->UpdateAccount(sales, alert, "user:boss", kAt);
  REQUIRE(a.ok());
  CHECK(a->name == "Sales team");
  CHECK(a->budget_mode == billing::BudgetMode::kAlert);
  CHECK(a->budget_warn_percent == 90);
  CHECK(s.Get(sales) == *a);
  billing::AccountChanges none;
  none.monthly_budget = std::optional<base::Money>();
  CHECK_FALSE(s.repo->UpdateAccount(sales, none, "test", kAt)->monthly_budget);
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'account.update'") == 2);
}

TEST_CASE("The budget migration counts the calls billed before it", "[store][billing][budget]") {
  test_support::OfficeZone zone("UTC");
  test_support::TempDir dir;
  SQLite::Database db(dir.path() + "/old.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  MigrateBefore(db, 11);
  db.exec("INSERT INTO accounts(name, type, created_us, updated_us) VALUES ('Sales', 'prepaid', 1, 1)");
  const auto cdr = [&db](const char* uuid, const char* start, int64_t charged) {
    SQLite::Statement st(db,
                         "INSERT INTO cdrs(uuid, linked_uuids, site_id, direction, caller, caller_name, account_id, "
                         "destination, normalised_number, zone, prefix, rate_plan, price_per_minute_micros, "
                         "connection_fee_micros, start_us, answer_us, bridge_us, end_us, duration_s, billsec, "
                         "billusec, billable_seconds, cost_micros, charged_micros, hangup_cause, disposition, "
                         "deny_reason, gateway, billed_us) VALUES (?, '', 's', 'outbound', '1001', '', 1, '44', '44', "
                         "'', '44', 'retail', 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, ?, ?, 'NORMAL_CLEARING', 'answered', '', "
                         "'', 1)");
    st.bind(1, uuid);
    st.bind(2, test_support::Utc(start).micros());
    st.bind(3, charged);
    st.bind(4, charged);
    st.exec();
  };
  cdr("a", "2026-11-30T23:59:59Z", 1'000'000);
  cdr("b", "2026-12-01T00:00:00Z", 2'000'000);
  cdr("c", "2026-12-15T00:00:00Z", 500'000);
  REQUIRE(store::ApplyMigrations(db, store::EmbeddedMigrations()).ok());
  CHECK(db.execAndGet("SELECT group_concat(month || ':' || spent_micros, ' ') FROM budget_spend").getString() ==
        "202611:1000000 202612:2500000");
  CHECK(db.execAndGet("SELECT budget_mode || budget_warn_percent FROM accounts").getString() == "block80");
}

// A store whose repository has alerts.low_balance = 5, and its alerts.
struct LowBalanceStore : Store {
  LowBalanceStore() { repo = std::make_unique<store::BillingRepository>(*writer, *reads, M("5")); }
  store::AlertStore alerts{*writer, *reads};
};

TEST_CASE("A charge taking a prepaid balance below alerts.low_balance raises one alert per crossing",
          "[store][billing][alerts]") {
  LowBalanceStore s;
  store::AlertStore& alerts = s.alerts;
  const AccountId guest = s.Account("Guest");
  const AccountId office = s.Account("Office", AccountType::kPostpaid, "100");
  s.Recharge(guest, "10");
  const auto bill = [&](AccountId id, const std::string& uuid, const char* cost) {
    REQUIRE(s.repo->BillCall(MakeCdr(uuid, id, cost), kAt).ok());
  };
  bill(guest, "g-1", "5");  // 5.00: not below
  CHECK(alerts.List(true, 0, 10)->empty());
  bill(guest, "g-2", "0.01");  // 4.99: crossed
  bill(guest, "g-3", "1");     // 3.99: still below, no second alert
  auto open = alerts.List(true, 0, 10);
  REQUIRE(open.ok());
  REQUIRE(open->size() == 1);
  CHECK(open->at(0).kind == "low_balance");
  CHECK(open->at(0).account_id == guest.value);
  CHECK(open->at(0).detail == R"({"account":"Guest","balance":"4.9900","threshold":"5.0000"})");
  s.Recharge(guest, "10");     // 13.99: re-armed
  bill(guest, "g-4", "9.50");  // 4.49: crossed again
  CHECK(*alerts.OpenCount() == 2);
  // Postpaid accounts have no balance to run out of here: nothing.
  bill(office, "o-1", "50");
  CHECK(*alerts.OpenCount() == 2);
  // Without the setting (the default), nothing at all.
  Store plain;
  store::AlertStore none(*plain.writer, *plain.reads);
  const AccountId p = plain.Account("P");
  plain.Recharge(p, "1");
  REQUIRE(plain.repo->BillCall(MakeCdr("p-1", p, "0.99"), kAt).ok());
  CHECK(*none.OpenCount() == 0);
}

TEST_CASE("An account's own low_balance threshold wins over alerts.low_balance; 0 never alerts",
          "[store][billing][alerts]") {
  LowBalanceStore s;
  store::AlertStore& alerts = s.alerts;
  const AccountId hotel = s.Account("Room 12");
  const AccountId quiet = s.Account("Lobby");
  s.Recharge(hotel, "30");
  s.Recharge(quiet, "30");
  billing::AccountChanges twenty;
  twenty.low_balance = M("20");
  auto changed = s.repo->UpdateAccount(hotel, twenty, "user:boss", kAt);
  REQUIRE(changed.ok());
  CHECK(changed->low_balance == M("20"));
  billing::AccountChanges never;
  never.low_balance = M("0");
  REQUIRE(s.repo->UpdateAccount(quiet, never, "user:boss", kAt).ok());
  REQUIRE(s.repo->BillCall(MakeCdr("h-1", hotel, "10.01"), kAt).ok());  // 19.99: below its own 20
  REQUIRE(s.repo->BillCall(MakeCdr("q-1", quiet, "29"), kAt).ok());     // 1.00: below the box's 5, but 0 is never
  auto open = alerts.List(true, 0, 10);
  REQUIRE(open.ok());
  REQUIRE(open->size() == 1);
  CHECK(open->at(0).account_id == hotel.value);
  CHECK(open->at(0).detail == R"({"account":"Room 12","balance":"19.9900","threshold":"20.0000"})");
  // Back to the box-wide threshold; not on a postpaid account.
  billing::AccountChanges reset;
  reset.low_balance = std::optional<base::Money>();
  CHECK_FALSE(s.repo->UpdateAccount(hotel, reset, "user:boss", kAt)->low_balance.has_value());
  const AccountId office = s.Account("Office", AccountType::kPostpaid, "100");
  CHECK(s.repo->UpdateAccount(office, twenty, "user:boss", kAt).status().code() == base::StatusCode::kInvalidArgument);
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'account.update' AND detail LIKE '%low_balance%'") == 3);
}

TEST_CASE("Budget alerts are raised once, in the charge's transaction, and acknowledged once",
          "[store][billing][budget]") {
  test_support::OfficeZone zone("UTC");
  Store s;
  store::AlertStore alerts(*s.writer, *s.reads);
  const AccountId id = s.Account("Sales");
  s.Recharge(id, "100");
  billing::AccountChanges budget;
  budget.monthly_budget = M("10");
  REQUIRE(s.repo->UpdateAccount(id, budget, "test", kAt).ok());
  CHECK(alerts.List(true, 0, 10)->empty());

  const auto bill = [&](const std::string& uuid, const char* cost, const std::string& deny_reason = "") {
    billing::Cdr cdr = MakeCdr(uuid, id, cost);
    cdr.deny_reason = deny_reason;
    if (!deny_reason.empty()) cdr.disposition = billing::Disposition::kDenied;
    REQUIRE(s.repo->BillCall(cdr, kAt).ok());
  };
  bill("u-1", "7.99");
  CHECK(alerts.List(true, 0, 10)->empty());
  bill("u-2", "0.01");  // 8.00: the 80 % warning
  bill("u-3", "1");     // still past 80 %: no second warning
  auto open = alerts.List(true, 0, 10);
  REQUIRE(open.ok());
  REQUIRE(open->size() == 1);
  CHECK(open->at(0).kind == "budget_warning");
  CHECK(open->at(0).severity == "warning");
  CHECK(open->at(0).account_id == id.value);
  CHECK(
      open->at(0).detail ==
      R"({"account":"Sales","budget":"10.0000","mode":"block","month":"2023-11","spent":"8.0000","warn_percent":80})");
  // A call refused for the budget raises "reached", though 9.00 is spent.
  bill("u-4", "0", "budget_exhausted");
  bill("u-5", "0", "budget_exhausted");
  CHECK(*alerts.OpenCount() == 2);
  CHECK(alerts.List(true, 0, 10)->at(0).kind == "budget_reached");
  // A replayed CDR (refused: already billed) raises nothing again.
  CHECK_FALSE(s.repo->BillCall(MakeCdr("u-3", id, "5"), kAt).ok());
  CHECK(*alerts.OpenCount() == 2);

  // A new budget is a new threshold: lowered below the spend, it is reached at once.
  budget.monthly_budget = M("5");
  REQUIRE(s.repo->UpdateAccount(id, budget, "test", base::Instant::FromSeconds(1'700'000'100)).ok());
  CHECK(*alerts.OpenCount() == 3);

  const int64_t first = open->at(0).id;
  auto ack = alerts.Acknowledge(first, "user:boss", kAt);
  REQUIRE(ack.ok());
  CHECK_FALSE(ack->open());
  CHECK(ack->acknowledged_by == "user:boss");
  auto again = alerts.Acknowledge(first, "user:other", kAt);
  REQUIRE(again.ok());
  CHECK(again->acknowledged_by == "user:boss");  // unchanged
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'alert.acknowledge'") == 1);
  CHECK(alerts.Acknowledge(999, "user:boss", kAt).status().code() == base::StatusCode::kNotFound);
  CHECK(*alerts.OpenCount() == 2);
  CHECK(alerts.List(false, 0, 10)->size() == 3);
  auto page = alerts.List(false, 0, 2);
  REQUIRE(page->size() == 2);
  CHECK(alerts.List(false, page->back().id, 10)->size() == 1);
}

TEST_CASE("A call refused by a toll-fraud guard raises one alert per rule, caller and day, audited",
          "[store][billing][budget]") {
  test_support::OfficeZone zone("UTC");
  Store s;
  store::AlertStore alerts(*s.writer, *s.reads);
  const AccountId id = s.Account("Sales");
  const auto refuse = [&](const std::string& uuid, const char* reason, int64_t start_s) {
    billing::Cdr cdr = MakeCdr(uuid, id, "0");
    cdr.deny_reason = reason;
    cdr.disposition = billing::Disposition::kDenied;
    cdr.start_us = start_s * 1'000'000;
    REQUIRE(s.repo->BillCall(cdr, kAt).ok());
  };
  refuse("g-1", "guard_blocked_prefix", 1'700'000'000);
  refuse("g-2", "guard_blocked_prefix", 1'700'000'100);  // the same day: no second alert
  refuse("g-3", "guard_price_per_minute", 1'700'000'200);
  refuse("g-4", "guard_blocked_prefix", 1'700'100'000);  // the next day
  refuse("g-5", "insufficient_funds", 1'700'000'300);    // not a guard
  auto all = alerts.List(false, 0, 10);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK(all->back().kind == "guard_tripped");
  CHECK(all->back().detail ==
        R"({"caller":"1001","day":"2023-11-14","destination":"00442079460958","outcome":"refused",)"
        R"("rule":"guard_blocked_prefix"})");
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'guard.trip' AND actor = 'billing'") == 3);
  // A caller id that is not UTF-8 (it comes from the switch as bytes) is
  // still billed; its alert's figures say U+FFFD where the bad byte was.
  billing::Cdr odd = MakeCdr("g-6", id, "0");
  odd.caller =
      "10\xff"
      "5";
  odd.deny_reason = "guard_blocked_prefix";
  odd.disposition = billing::Disposition::kDenied;
  REQUIRE(s.repo->BillCall(odd, kAt).ok());
  CHECK(s.Count("SELECT count(*) FROM cdrs WHERE uuid = 'g-6'") == 1);
  CHECK(s.Count("SELECT count(*) FROM alerts WHERE detail LIKE '%10\xef\xbf\xbd"
                "5%'") == 1);
}
