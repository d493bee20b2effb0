#pragma once
// billing::Repository over SQLite (sql/0004_billing.sql; SPEC sections 3-4,
// docs/BILLING.md).
//
// Every write is one store::Writer job: the writer thread runs it inside its
// batch transaction and a savepoint, so a job's checks and writes are atomic
// and all money moves are serialised — two calls of one account cannot both
// reserve the same money. A job that fails leaves no trace. The `...In`
// functions are those jobs' bodies, for composing bigger Writer jobs (e.g. a
// bulk recharge, all-or-nothing): they run inside the caller's transaction,
// never BEGIN or COMMIT, and leave it to the caller to roll back on failure.
// Reads use the ReadPool (WAL: they never wait for the writer).
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "base/money.h"
#include "base/status.h"
#include "base/time.h"
#include "billing/account.h"
#include "billing/cdr.h"
#include "billing/ids.h"
#include "billing/ledger_entry.h"
#include "billing/repository.h"
#include "billing/reservation.h"
#include "store/read_pool.h"
#include "store/writer.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

// --- Writer job bodies (inside the caller's transaction; see the
// billing::Repository method of the same name for what each checks and
// returns). SQLite errors come back as Unavailable, constraint violations
// that the checks should have prevented as Internal. ---

base::Result<billing::Account> CreateAccountIn(SQLite::Database& db, const billing::NewAccount& account,
                                               std::string_view actor, base::Instant at);
base::Result<billing::Account> UpdateAccountIn(SQLite::Database& db, billing::AccountId id,
                                               const billing::AccountChanges& changes, std::string_view actor,
                                               base::Instant at);
base::Status PutExtensionIn(SQLite::Database& db, const billing::Extension& extension, std::string_view actor,
                            base::Instant at);
base::Status CreateExtensionIn(SQLite::Database& db, const billing::Extension& extension, std::string_view actor,
                               base::Instant at);
base::Result<billing::MovementResult> ApplyMovementIn(SQLite::Database& db, const billing::Movement& movement);
// `policy`: the box-wide daily spend cap the reservation must fit under too.
base::Result<billing::Reservation> ReserveIn(SQLite::Database& db, const billing::Reservation& reservation,
                                             const billing::SpendPolicy& policy = {});
base::Result<billing::Reservation> ExtendReservationIn(SQLite::Database& db, const billing::CallId& call,
                                                       base::Money new_amount, int64_t covered_s, base::Instant at,
                                                       const billing::SpendPolicy& policy = {});
base::Status ReleaseReservationIn(SQLite::Database& db, const billing::CallId& call);
// `low_balance`: alerts.low_balance, the prepaid balance below which a charge
// raises a low_balance alert (nullopt: none).
base::Result<billing::CallBilled> BillCallIn(SQLite::Database& db, const billing::Cdr& cdr, base::Instant at,
                                             std::optional<base::Money> low_balance = std::nullopt);

// --- Reads on any connection (a ReadPool lease, or inside a job). ---

base::Result<billing::Account> GetAccountIn(SQLite::Database& db, billing::AccountId id);
base::Result<billing::Extension> GetExtensionIn(SQLite::Database& db, std::string_view number);
base::Result<std::vector<billing::Account>> ListAccountsIn(SQLite::Database& db, billing::AccountId after,
                                                           int64_t limit);
base::Result<std::vector<billing::Extension>> ListExtensionsIn(SQLite::Database& db, std::string_view after_number,
                                                               int64_t limit);
// `newest_first`: rows before `cursor` (0: from the newest), newest first;
// otherwise rows after `cursor`, oldest first.
base::Result<std::vector<billing::LedgerEntry>> ListLedgerIn(SQLite::Database& db, billing::AccountId id,
                                                             int64_t cursor, int64_t limit, bool newest_first = false);
base::Result<billing::Reservation> GetReservationIn(SQLite::Database& db, const billing::CallId& call);
base::Result<std::vector<billing::Reservation>> ListReservationsIn(SQLite::Database& db);
base::Result<billing::Cdr> GetCdrIn(SQLite::Database& db, const billing::CallId& call);

// The consistency check "ledger_balances" (check.h, run by `tarifador
// check`): every account's balance equals the sum of its ledger, every
// ledger row's balance_after equals the running sum up to it, every
// account's reserved money equals the sum of its open reservations, no
// reservation is open for a call that is already billed (money held for a
// call that has ended), and no prepaid balance is below zero. Fails with
// Internal naming the accounts (or rows, or calls) that are off and by how
// much. May throw SQLite::Exception.
base::Status CheckLedgerBalances(SQLite::Database& db);
// `tarifador check`: each account's budget_spend of a month equals what its
// calls started that month (office time zone) were charged.
base::Status CheckBudgetSpend(SQLite::Database& db);

// billing::Repository for the running service. Thread-safe: writes go
// through the writer's queue, reads lease their own connection.
class BillingRepository final : public billing::Repository {
 public:
  // Borrows both; they must outlive the repository and use the same store.
  BillingRepository(Writer& writer, ReadPool& reads) : writer_(writer), reads_(reads) {}
  // With alerts.low_balance: a charge that takes a prepaid balance below it
  // raises a low_balance alert (docs/ALERTS.md).
  // With guards.max_daily_spend (`spend`): reservations fit under each
  // account's daily cap too (docs/BILLING.md "Daily spend cap").
  BillingRepository(Writer& writer, ReadPool& reads, std::optional<base::Money> low_balance,
                    billing::SpendPolicy spend = {})
      : writer_(writer), reads_(reads), low_balance_(low_balance), spend_(spend) {}

  base::Result<billing::Account> CreateAccount(const billing::NewAccount& account, std::string_view actor,
                                               base::Instant at) override;
  base::Result<billing::Account> UpdateAccount(billing::AccountId id, const billing::AccountChanges& changes,
                                               std::string_view actor, base::Instant at) override;
  base::Result<billing::Account> GetAccount(billing::AccountId id) override;
  base::Result<std::vector<billing::Account>> ListAccounts(billing::AccountId after, int64_t limit) override;
  base::Status PutExtension(const billing::Extension& extension, std::string_view actor, base::Instant at) override;
  base::Status CreateExtension(const billing::Extension& extension, std::string_view actor, base::Instant at) override;
  base::Result<billing::Extension> GetExtension(std::string_view number) override;
  base::Result<std::vector<billing::Extension>> ListExtensions(std::string_view after_number, int64_t limit) override;
  base::Result<billing::MovementResult> ApplyMovement(const billing::Movement& movement) override;
  base::Result<std::vector<billing::LedgerEntry>> ListLedger(billing::AccountId id, int64_t after_id,
                                                             int64_t limit) override;
  base::Result<std::vector<billing::LedgerEntry>> ListLedgerNewest(billing::AccountId id, int64_t before_id,
                                                                   int64_t limit) override;
  base::Result<billing::Reservation> Reserve(const billing::Reservation& reservation) override;
  base::Result<billing::Reservation> ExtendReservation(const billing::CallId& call, base::Money new_amount,
                                                       int64_t covered_s, base::Instant at) override;
  base::Status ReleaseReservation(const billing::CallId& call) override;
  base::Result<billing::Reservation> GetReservation(const billing::CallId& call) override;
  base::Result<std::vector<billing::Reservation>> ListReservations() override;
  base::Result<billing::CallBilled> BillCall(const billing::Cdr& cdr, base::Instant at) override;
  void BillCallAsync(const billing::Cdr& cdr, base::Instant at,
                     std::function<void(base::Result<billing::CallBilled>)> done) override;
  void ReserveAsync(const billing::Reservation& reservation,
                    std::function<void(base::Result<billing::Reservation>)> done) override;
  void ExtendReservationAsync(const billing::CallId& call, base::Money new_amount, int64_t covered_s, base::Instant at,
                              std::function<void(base::Result<billing::Reservation>)> done) override;
  void ReleaseReservationAsync(const billing::CallId& call, std::function<void(base::Status)> done) override;
  base::Result<billing::Cdr> GetCdr(const billing::CallId& call) override;
  base::Result<std::vector<billing::MovementResult>> ApplyMovements(const std::vector<billing::Movement>& movements,
                                                                    std::string_view audit_summary) override;

  // Told, after the commit, of every write here that changed an account's
  // money (a ledger movement that was not a replay, a reservation made,
  // changed or released, a call billed), with the account as that write
  // left it (read in the same transaction). Runs on the writer thread for
  // the async writes and on the caller's thread otherwise; must be quick
  // (the live event stream: format and queue). Set before the repository is
  // shared between threads.
  using MoneyObserver = std::function<void(const billing::Account& account)>;
  void set_money_observer(MoneyObserver observer) { money_observer_ = std::move(observer); }

 private:
  Writer& writer_;
  ReadPool& reads_;
  const std::optional<base::Money> low_balance_;
  const billing::SpendPolicy spend_{};
  MoneyObserver money_observer_;
};

}  // namespace tarifador::store
