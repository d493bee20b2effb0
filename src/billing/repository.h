#pragma once
// Repository: everything billing needs from storage (STYLE.md: billing reaches
// storage only through interfaces it declares). store::BillingRepository
// implements it over SQLite; tests may use an in-memory fake.
//
// Contract for implementations: every method that moves money is one
// transaction that checks and writes together, so the rules of
// ledger_entry.h and the reservation limits hold under any concurrency, and
// it is idempotent (the same call billed twice, the same idempotency key
// reused, changes nothing the second time). Methods are thread-safe.
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
#include "billing/reservation.h"

namespace tarifador::billing {

// What billing a call did to the money.
struct CallBilled {
  base::Money charged;                  // the ledger charge (0: no row written)
  std::optional<LedgerEntry> charge;    // the call_charge row, when charged > 0
  std::optional<Reservation> released;  // the reservation released, if there was one
};

class Repository {
 public:
  virtual ~Repository() = default;

  // --- accounts and extensions ---

  // Creates an account with balance 0, stamped `at`. InvalidArgument as
  // ValidateNewAccount; AlreadyExists when the name is taken.
  virtual base::Result<Account> CreateAccount(const NewAccount& account, std::string_view actor, base::Instant at) = 0;
  // NotFound `no account 7`.
  virtual base::Result<Account> GetAccount(AccountId id) = 0;
  // Applies `changes` (ApplyAccountChanges) and audits them as
  // "account.update", in one transaction; returns the account as it is now.
  // NotFound, InvalidArgument, AlreadyExists when the new name is taken.
  // Lowering a credit limit or a budget below what is spent is allowed: new
  // calls are then refused, as for any account without money.
  virtual base::Result<Account> UpdateAccount(AccountId id, const AccountChanges& changes, std::string_view actor,
                                              base::Instant at) = 0;
  // Accounts with an id above `after` (AccountId{0}: from the first), ordered
  // by id, at most `limit` (>= 1) of them. Empty when there are none.
  virtual base::Result<std::vector<Account>> ListAccounts(AccountId after, int64_t limit) = 0;
  // Creates or replaces the extension with `extension.number`. InvalidArgument
  // as ValidateExtension; NotFound when its account does not exist.
  virtual base::Status PutExtension(const Extension& extension, std::string_view actor, base::Instant at) = 0;
  // Creates the extension `extension.number`, checking in the same
  // transaction that it does not exist yet: AlreadyExists `extension "1001"
  // already exists` when it does (nothing changes). Otherwise fails like
  // PutExtension.
  virtual base::Status CreateExtension(const Extension& extension, std::string_view actor, base::Instant at) = 0;
  // NotFound `no extension "1001"`.
  virtual base::Result<Extension> GetExtension(std::string_view number) = 0;
  // Extensions whose number sorts after `after_number` byte by byte ("": from
  // the first), ordered by number that way, at most `limit` (>= 1).
  virtual base::Result<std::vector<Extension>> ListExtensions(std::string_view after_number, int64_t limit) = 0;

  // --- the ledger ---

  // Validates (ValidateMovement), then in one transaction: replays the row of
  // an already-used idempotency key (replayed = true; FailedPrecondition when
  // the key was used for a different movement), or checks
  // BalanceAfterMovement against the current account, appends the row and
  // sets the balance. NotFound for a missing account; FailedPrecondition
  // "insufficient funds" for a debit the account cannot take. A movement
  // other than a call charge also writes its audit row ("ledger.recharge",
  // "ledger.refund", "ledger.adjustment"; SPEC 7: every change is audited)
  // in that transaction; a replay writes nothing.
  virtual base::Result<MovementResult> ApplyMovement(const Movement& movement) = 0;
  // Applies `movements` in order in ONE transaction, all or nothing (a bulk
  // recharge): each exactly as ApplyMovement would, idempotency keys
  // replaying row by row; `audit_summary`, when not empty, is an extra audit
  // row's action ("ledger.bulk_recharge") written in that transaction unless
  // every movement was a replay. On any failure nothing changes and the
  // status's message starts with "movement N: " (N 1-based, in `movements`).
  // Unavailable when the implementation cannot do it atomically.
  virtual base::Result<std::vector<MovementResult>> ApplyMovements(const std::vector<Movement>& movements,
                                                                   std::string_view audit_summary) {
    (void)movements;
    (void)audit_summary;
    return base::Unavailable("this repository cannot apply movements in one transaction");
  }
  // The account's ledger rows, oldest first, at most `limit` of them starting
  // after row id `after_id` (0: from the start).
  virtual base::Result<std::vector<LedgerEntry>> ListLedger(AccountId id, int64_t after_id, int64_t limit) = 0;
  // The same newest first: at most `limit` rows before row id `before_id`
  // (0: from the newest), what a person reading the ledger wants to see.
  virtual base::Result<std::vector<LedgerEntry>> ListLedgerNewest(AccountId id, int64_t before_id, int64_t limit) = 0;

  // --- reservations ---

  // In one transaction: fails with FailedPrecondition "insufficient funds"
  // when AvailableMoney(account) < reservation.amount, AlreadyExists when the
  // call already has a reservation or is already billed (its CDR exists: the
  // call has ended and nothing would release the money), NotFound for a
  // missing account; otherwise stores it and adds its amount to the
  // account's reserved money.
  virtual base::Result<Reservation> Reserve(const Reservation& reservation) = 0;
  // Raises (or lowers) the call's reservation to `new_amount` covering
  // `covered_s`: the difference must be available (FailedPrecondition
  // otherwise, and nothing changes). NotFound when the call has none.
  virtual base::Result<Reservation> ExtendReservation(const CallId& call, base::Money new_amount, int64_t covered_s,
                                                      base::Instant at) = 0;
  // Drops the call's reservation (the call will not be billed through
  // BillCall, e.g. its account vanished). OK when there was none.
  virtual base::Status ReleaseReservation(const CallId& call) = 0;
  // The call's reservation; NotFound when it has none.
  virtual base::Result<Reservation> GetReservation(const CallId& call) = 0;
  // Every open reservation, oldest first (the reconcile after a restart
  // looks for those of calls that ended while tarifador was not running).
  virtual base::Result<std::vector<Reservation>> ListReservations() = 0;

  // --- billing a call ---

  // In ONE transaction (SPEC section 4): stores `cdr`, releases the call's
  // reservation if any, and when cdr.cost > 0 appends a call_charge ledger row
  // on cdr.account_id of -min(cost, what the account may spend once the
  // reservation is released) and sets the balance; the stored CDR's `charged`
  // is that amount. Fails with AlreadyExists `call <uuid> is already billed`
  // when a CDR with this uuid exists (a replayed or duplicated
  // HANGUP_COMPLETE), and then changes nothing. NotFound when cost > 0 and
  // the account is missing. InvalidArgument on an empty uuid or negative cost.
  virtual base::Result<CallBilled> BillCall(const Cdr& cdr, base::Instant at) = 0;

  // BillCall, Reserve, ExtendReservation and ReleaseReservation without
  // waiting: `done` gets the same result once the write is committed (or
  // failed), on any thread; it must be quick. Writes submitted one after the
  // other (by any of these four) are applied in that order: a billing or a
  // release submitted after an extension finds the extended reservation and
  // releases all of it, and an extension submitted after them finds none
  // (NotFound) and holds nothing. The store implementation queues them to
  // its writer, so a burst of calls shares one commit; the defaults simply
  // run the synchronous form.
  virtual void BillCallAsync(const Cdr& cdr, base::Instant at, std::function<void(base::Result<CallBilled>)> done) {
    done(BillCall(cdr, at));
  }
  virtual void ReserveAsync(const Reservation& reservation, std::function<void(base::Result<Reservation>)> done) {
    done(Reserve(reservation));
  }
  virtual void ExtendReservationAsync(const CallId& call, base::Money new_amount, int64_t covered_s, base::Instant at,
                                      std::function<void(base::Result<Reservation>)> done) {
    done(ExtendReservation(call, new_amount, covered_s, at));
  }
  virtual void ReleaseReservationAsync(const CallId& call, std::function<void(base::Status)> done) {
    done(ReleaseReservation(call));
  }
  // The stored CDR; NotFound `no CDR for call <uuid>`.
  virtual base::Result<Cdr> GetCdr(const CallId& call) = 0;
};

// What the charge of a call of `cost` may be, given the account once the
// call's own reservation is released: min(cost, AvailableMoney(account)),
// never negative. Shared by every Repository implementation so that they agree
// to the micro-unit.
base::Money ChargeableAmount(const Account& account_after_release, base::Money cost);

}  // namespace tarifador::billing
