#include "billing/ledger.h"

#include <catch2/catch.hpp>

#include "unit/billing/billing_fixtures.h"
#include "unit/billing/fake_repository.h"

using namespace tarifador;
using namespace tarifador::billing;
using testing::M;

namespace {
const base::Instant kAt = base::Instant::FromSeconds(1'800'000'000);
}

TEST_CASE("Movement rules: signs by kind and the balance floor", "[billing][ledger]") {
  const Movement recharge{AccountId{1}, LedgerKind::kRecharge, M("5"), "cli", "", kAt, {}, {}};
  CHECK(ValidateMovement(recharge).ok());
  Movement bad = recharge;
  bad.amount = M("-5");
  CHECK(ValidateMovement(bad).code() == base::StatusCode::kInvalidArgument);
  bad.amount = M("0");
  CHECK(ValidateMovement(bad).code() == base::StatusCode::kInvalidArgument);
  bad = recharge;
  bad.actor = "";
  CHECK(ValidateMovement(bad).code() == base::StatusCode::kInvalidArgument);
  Movement charge{AccountId{1}, LedgerKind::kCallCharge, M("-1"), "billing", "", kAt, {}, {}};
  CHECK(ValidateMovement(charge).code() == base::StatusCode::kInvalidArgument);  // no call
  charge.call = CallId{"u1"};
  CHECK(ValidateMovement(charge).ok());
  Movement adjust{AccountId{1}, LedgerKind::kAdjustment, M("-0.5"), "cli", "", kAt, {}, {}};
  CHECK(ValidateMovement(adjust).ok());

  Account prepaid;
  prepaid.id = AccountId{1};
  prepaid.balance = M("1.00");
  prepaid.reserved = M("0.25");
  adjust.amount = M("-0.75");
  CHECK(BalanceAfterMovement(prepaid, adjust).value() == M("0.25"));  // available exactly 0 afterwards
  adjust.amount = M("-0.750001");
  CHECK(BalanceAfterMovement(prepaid, adjust).status().code() == base::StatusCode::kFailedPrecondition);

  Account postpaid = prepaid;
  postpaid.type = AccountType::kPostpaid;
  postpaid.credit_limit = M("10");
  adjust.amount = M("-10.75");
  CHECK(BalanceAfterMovement(postpaid, adjust).value() == M("-9.75"));
  adjust.amount = M("-10.750001");
  CHECK(BalanceAfterMovement(postpaid, adjust).status().code() == base::StatusCode::kFailedPrecondition);
  // A credit is always accepted, even when it leaves the account below its floor.
  postpaid.balance = M("-20");
  CHECK(BalanceAfterMovement(postpaid, recharge).value() == M("-15"));
}

TEST_CASE("Recharge, refund and adjustment keep balance equal to the ledger sum", "[billing][ledger]") {
  testing::FakeRepository repo;
  base::FakeClock clock(kAt);
  Ledger ledger(repo, clock);
  const AccountId id = repo.CreateAccount({"Guest", AccountType::kPrepaid, {}, {}}, "cli", kAt)->id;

  auto r1 = ledger.Recharge(id, M("10.00"), "user:alice", "cash");
  REQUIRE(r1.ok());
  CHECK(r1->entry.balance_after == M("10.00"));
  CHECK(r1->entry.kind == LedgerKind::kRecharge);
  CHECK(r1->entry.actor == "user:alice");
  CHECK(r1->entry.reason == "cash");
  CHECK(r1->entry.at == kAt);
  CHECK(ledger.Refund(id, M("0.50"), "user:alice", "dropped call", CallId{"u-1"})->entry.balance_after == M("10.50"));
  CHECK(ledger.Adjust(id, M("-3.25"), "user:alice", "typo")->entry.balance_after == M("7.25"));
  CHECK(ledger.Recharge(id, M("-1"), "user:alice", "").status().code() == base::StatusCode::kInvalidArgument);
  CHECK(ledger.Recharge(id, M("0"), "user:alice", "").status().code() == base::StatusCode::kInvalidArgument);
  CHECK(ledger.Refund(id, M("-1"), "user:alice", "").status().code() == base::StatusCode::kInvalidArgument);
  CHECK(ledger.Adjust(id, M("0"), "user:alice", "").status().code() == base::StatusCode::kInvalidArgument);
  CHECK(ledger.Recharge(AccountId{99}, M("1"), "user:alice", "").status().code() == base::StatusCode::kNotFound);

  // Prepaid never below zero.
  auto over = ledger.Adjust(id, M("-7.250001"), "user:alice", "too much");
  CHECK(over.status().code() == base::StatusCode::kFailedPrecondition);
  CHECK(over.status().message().find("insufficient funds") != std::string::npos);
  CHECK(ledger.Adjust(id, M("-7.25"), "user:alice", "all of it")->entry.balance_after == M("0"));

  auto account = repo.GetAccount(id);
  REQUIRE(account.ok());
  CHECK(account->balance == M("0"));
  CHECK(repo.ledger_size() == 4);
  CHECK(repo.Consistent());
}

TEST_CASE("Postpaid accounts go down to minus their credit limit and no further", "[billing][ledger]") {
  testing::FakeRepository repo;
  base::FakeClock clock(kAt);
  Ledger ledger(repo, clock);
  CHECK(repo.CreateAccount({"Bad", AccountType::kPrepaid, M("5"), {}}, "cli", kAt).status().code() ==
        base::StatusCode::kInvalidArgument);
  const AccountId id = repo.CreateAccount({"Sales", AccountType::kPostpaid, M("50"), {}}, "cli", kAt)->id;
  CHECK(ledger.Adjust(id, M("-50.000001"), "cli", "").status().code() == base::StatusCode::kFailedPrecondition);
  CHECK(ledger.Adjust(id, M("-50"), "cli", "")->entry.balance_after == M("-50"));
  CHECK(ledger.Adjust(id, M("-0.000001"), "cli", "").status().code() == base::StatusCode::kFailedPrecondition);
  CHECK(ledger.Recharge(id, M("20"), "cli", "")->entry.balance_after == M("-30"));
  CHECK(AvailableMoney(*repo.GetAccount(id)) == M("20"));
  CHECK(repo.Consistent());
}

TEST_CASE("A recharge with an idempotency key moves money once", "[billing][ledger]") {
  testing::FakeRepository repo;
  base::FakeClock clock(kAt);
  Ledger ledger(repo, clock);
  const AccountId id = repo.CreateAccount({"Guest", AccountType::kPrepaid, {}, {}}, "cli", kAt)->id;
  auto first = ledger.Recharge(id, M("5"), "token:shop", "voucher", "req-1");
  REQUIRE(first.ok());
  CHECK_FALSE(first->replayed);
  auto again = ledger.Recharge(id, M("5"), "token:shop", "voucher", "req-1");
  REQUIRE(again.ok());
  CHECK(again->replayed);
  CHECK(again->entry == first->entry);
  CHECK(ledger.Recharge(id, M("6"), "token:shop", "voucher", "req-1").status().code() ==
        base::StatusCode::kFailedPrecondition);
  CHECK(repo.GetAccount(id)->balance == M("5"));
  CHECK(repo.ledger_size() == 1);
}
