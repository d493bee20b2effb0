#pragma once
// An in-memory billing::Repository for billing's own tests. It applies the
// same rule functions as store::BillingRepository (ledger_entry.h,
// AvailableMoney, ChargeableAmount) under one mutex; the SQLite repository's
// own tests (tests/unit/store/billing_repository_test.cpp) run the money
// paths against the real store.
//
// Its *Async writes complete at once (the Repository defaults) unless
// set_hold_writes(true): then each is queued, in submission order, and is
// applied and answered only when the test says so (CompleteNext,
// CompleteAll), as the store's writer would after a commit.
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "billing/repository.h"

namespace tarifador::billing::testing {

class FakeRepository final : public Repository {
 public:
  base::Result<Account> CreateAccount(const NewAccount& a, std::string_view, base::Instant at) override {
    TARIFADOR_RETURN_IF_ERROR(ValidateNewAccount(a));
    std::lock_guard lock(mu_);
    for (const auto& [id, acc] : accounts_) {
      if (acc.name == a.name) return base::AlreadyExists("account name taken");
    }
    Account acc{AccountId{next_account_++}, a.name, a.type, a.credit_limit, a.monthly_budget, {}, {}, at, at};
    acc.budget_mode = a.budget_mode;
    acc.budget_warn_percent = a.budget_warn_percent;
    acc.low_balance = a.low_balance;
    acc.daily_limit = a.daily_limit;
    accounts_[acc.id] = acc;
    return acc;
  }
  base::Result<Account> UpdateAccount(AccountId id, const AccountChanges& changes, std::string_view,
                                      base::Instant at) override {
    std::lock_guard lock(mu_);
    auto acc = Find(id);
    if (!acc.ok()) return acc.status();
    auto changed = ApplyAccountChanges(*acc, changes);
    if (!changed.ok()) return changed.status();
    changed->updated_at = at;
    accounts_[id] = *changed;
    return *changed;
  }
  base::Result<Account> GetAccount(AccountId id) override {
    std::lock_guard lock(mu_);
    return Find(id);
  }
  base::Result<std::vector<Account>> ListAccounts(AccountId after, int64_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<Account> out;
    for (auto it = accounts_.upper_bound(after); it != accounts_.end() && static_cast<int64_t>(out.size()) < limit;
         ++it) {
      out.push_back(it->second);
    }
    return out;
  }
  base::Status CreateExtension(const Extension& x, std::string_view, base::Instant) override {
    TARIFADOR_RETURN_IF_ERROR(ValidateExtension(x));
    std::lock_guard lock(mu_);
    if (extensions_.count(x.number)) return base::AlreadyExists("extension exists");
    if (!accounts_.count(x.account_id)) return base::NotFound("no account");
    extensions_[x.number] = x;
    return base::Status::Ok();
  }
  base::Result<std::vector<Extension>> ListExtensions(std::string_view after_number, int64_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<Extension> out;
    for (auto it = extensions_.upper_bound(std::string(after_number));
         it != extensions_.end() && static_cast<int64_t>(out.size()) < limit; ++it) {
      out.push_back(it->second);
    }
    return out;
  }
  base::Status PutExtension(const Extension& x, std::string_view, base::Instant) override {
    TARIFADOR_RETURN_IF_ERROR(ValidateExtension(x));
    std::lock_guard lock(mu_);
    if (!accounts_.count(x.account_id)) return base::NotFound("no account");
    extensions_[x.number] = x;
    return base::Status::Ok();
  }
  base::Result<Extension> GetExtension(std::string_view number) override {
    std::lock_guard lock(mu_);
    ++extension_reads_;
    if (fail_reads_) return base::Unavailable("store down");
    const auto it = extensions_.find(std::string(number));
    if (it == extensions_.end()) return base::NotFound("no extension");
    return it->second;
  }
  base::Result<MovementResult> ApplyMovement(const Movement& m) override {
    TARIFADOR_RETURN_IF_ERROR(ValidateMovement(m));
    std::lock_guard lock(mu_);
    if (m.idempotency_key) {
      for (const LedgerEntry& e : ledger_) {
        if (e.idempotency_key == m.idempotency_key) {
          if (!SameMovement(e, m)) return base::FailedPrecondition("idempotency key reused");
          return MovementResult{e, true};
        }
      }
    }
    auto acc = Find(m.account_id);
    if (!acc.ok()) return acc.status();
    auto after = BalanceAfterMovement(*acc, m);
    if (!after.ok()) return after.status();
    return MovementResult{Append(m, *after), false};
  }
  base::Result<std::vector<LedgerEntry>> ListLedger(AccountId id, int64_t after_id, int64_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<LedgerEntry> out;
    for (const LedgerEntry& e : ledger_) {
      if (e.account_id == id && e.id > after_id && static_cast<int64_t>(out.size()) < limit) out.push_back(e);
    }
    return out;
  }
  base::Result<std::vector<LedgerEntry>> ListLedgerNewest(AccountId id, int64_t before_id, int64_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<LedgerEntry> out;
    for (auto it = ledger_.rbegin(); it != ledger_.rend() && static_cast<int64_t>(out.size()) < limit; ++it) {
      if (it->account_id == id && (before_id == 0 || it->id < before_id)) out.push_back(*it);
    }
    return out;
  }
  base::Result<Reservation> Reserve(const Reservation& r) override {
    std::lock_guard lock(mu_);
    if (reservations_.count(r.call)) return base::AlreadyExists("already reserved");
    if (cdrs_.count(r.call)) return base::AlreadyExists("call " + r.call.value + " is already billed");
    auto acc = Find(r.account_id);
    if (!acc.ok()) return acc.status();
    if (r.amount > CallableMoney(*acc, r.updated_at, spend_)) return base::FailedPrecondition("insufficient funds");
    reservations_[r.call] = r;
    accounts_[r.account_id].reserved += r.amount;
    return r;
  }
  base::Result<Reservation> ExtendReservation(const CallId& call, base::Money amount, int64_t covered_s,
                                              base::Instant at) override {
    std::lock_guard lock(mu_);
    const auto it = reservations_.find(call);
    if (it == reservations_.end()) return base::NotFound("no reservation");
    Account& acc = accounts_[it->second.account_id];
    const base::Money delta = amount - it->second.amount;
    if (delta > base::Money() && delta > CallableMoney(acc, at, spend_)) {
      return base::FailedPrecondition("insufficient funds");
    }
    acc.reserved += delta;
    it->second.amount = amount;
    it->second.covered_s = covered_s;
    it->second.updated_at = at;
    return it->second;
  }
  base::Status ReleaseReservation(const CallId& call) override {
    std::lock_guard lock(mu_);
    Release(call);
    return base::Status::Ok();
  }
  base::Result<Reservation> GetReservation(const CallId& call) override {
    std::lock_guard lock(mu_);
    const auto it = reservations_.find(call);
    if (it == reservations_.end()) return base::NotFound("no reservation");
    return it->second;
  }
  base::Result<std::vector<Reservation>> ListReservations() override {
    std::lock_guard lock(mu_);
    std::vector<Reservation> out;
    for (const auto& [call, r] : reservations_) out.push_back(r);
    return out;
  }
  base::Result<CallBilled> BillCall(const Cdr& cdr, base::Instant at) override {
    std::lock_guard lock(mu_);
    if (!fail_next_bill_.ok()) {
      base::Status s = std::move(fail_next_bill_);
      fail_next_bill_ = base::Status::Ok();
      return s;
    }
    if (cdrs_.count(cdr.uuid)) return base::AlreadyExists("call " + cdr.uuid.value + " is already billed");
    CallBilled out;
    if (const auto it = reservations_.find(cdr.uuid); it != reservations_.end()) out.released = it->second;
    Release(cdr.uuid);
    if (cdr.cost > base::Money()) {
      auto acc = Find(*cdr.account_id);
      if (!acc.ok()) return acc.status();
      out.charged = ChargeableAmount(*acc, cdr.cost);
      if (out.charged > base::Money()) {
        Movement m{*cdr.account_id, LedgerKind::kCallCharge, -out.charged, "billing", "call", at, cdr.uuid, {}};
        out.charge = Append(m, acc->balance - out.charged);
        // Month spend as the store keeps it (newest month only: enough for
        // the tracker's tests).
        Account& a = accounts_[*cdr.account_id];
        const BudgetMonth month =
            BudgetMonthOf(base::Instant::FromMicros(cdr.start_us > 0 ? cdr.start_us : at.micros()));
        if (month > a.spent_month) {
          a.spent_month = month;
          a.month_spent = base::Money();
        }
        if (month == a.spent_month) a.month_spent += out.charged;
        const SpendDay day = SpendDayOf(base::Instant::FromMicros(cdr.start_us > 0 ? cdr.start_us : at.micros()));
        if (day > a.spent_day) {
          a.spent_day = day;
          a.day_spent = base::Money();
        }
        if (day == a.spent_day) a.day_spent += out.charged;
      }
    }
    Cdr stored = cdr;
    stored.charged = out.charged;
    cdrs_[cdr.uuid] = stored;
    return out;
  }
  base::Result<Cdr> GetCdr(const CallId& call) override {
    std::lock_guard lock(mu_);
    const auto it = cdrs_.find(call);
    if (it == cdrs_.end()) return base::NotFound("no CDR");
    return it->second;
  }
  void BillCallAsync(const Cdr& cdr, base::Instant at, std::function<void(base::Result<CallBilled>)> done) override {
    Write("bill " + cdr.uuid.value, [this, cdr, at, done = std::move(done)] { done(BillCall(cdr, at)); });
  }
  void ReserveAsync(const Reservation& r, std::function<void(base::Result<Reservation>)> done) override {
    Write("reserve " + r.call.value, [this, r, done = std::move(done)] { done(Reserve(r)); });
  }
  void ExtendReservationAsync(const CallId& call, base::Money amount, int64_t covered_s, base::Instant at,
                              std::function<void(base::Result<Reservation>)> done) override {
    Write("extend " + call.value + " " + std::to_string(covered_s),
          [this, call, amount, covered_s, at, done = std::move(done)] {
            done(ExtendReservation(call, amount, covered_s, at));
          });
  }
  void ReleaseReservationAsync(const CallId& call, std::function<void(base::Status)> done) override {
    Write("release " + call.value, [this, call, done = std::move(done)] { done(ReleaseReservation(call)); });
  }

  // Test helpers.

  // Whether *Async writes wait for CompleteNext/CompleteAll.
  void set_hold_writes(bool hold) {
    std::lock_guard lock(mu_);
    hold_writes_ = hold;
  }
  // The held writes, oldest first: "reserve <uuid>", "extend <uuid>
  // <covered_s>", "release <uuid>", "bill <uuid>".
  std::vector<std::string> held_writes() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const HeldWrite& w : held_) out.push_back(w.what);
    return out;
  }
  // Applies the oldest held write and calls its `done`; false when none is held.
  bool CompleteNext() {
    std::function<void()> apply;
    {
      std::lock_guard lock(mu_);
      if (held_.empty()) return false;
      apply = std::move(held_.front().apply);
      held_.pop_front();
    }
    apply();
    return true;
  }
  // Applies every held write, oldest first (those held meanwhile too).
  void CompleteAll() {
    while (CompleteNext()) {
    }
  }
  size_t cdr_count() {
    std::lock_guard lock(mu_);
    return cdrs_.size();
  }
  size_t ledger_size() {
    std::lock_guard lock(mu_);
    return ledger_.size();
  }
  // The next BillCall fails with `s` and changes nothing (a store that
  // refuses a CDR).
  void FailNextBillWith(base::Status s) {
    std::lock_guard lock(mu_);
    fail_next_bill_ = std::move(s);
  }
  void set_fail_reads(bool fail) {
    std::lock_guard lock(mu_);
    fail_reads_ = fail;
  }
  // Balance == sum(ledger) and reserved == sum(reservations) for every account.
  bool Consistent() {
    std::lock_guard lock(mu_);
    for (const auto& [id, acc] : accounts_) {
      base::Money sum, held;
      for (const LedgerEntry& e : ledger_) {
        if (e.account_id == id) sum += e.amount;
      }
      for (const auto& [call, r] : reservations_) {
        if (r.account_id == id) held += r.amount;
      }
      if (sum != acc.balance || held != acc.reserved) return false;
    }
    return true;
  }

  // The box-wide daily cap its reservations honour, as the store's
  // (store::BillingRepository's `spend`). Set before use.
  void set_spend_policy(const SpendPolicy& policy) { spend_ = policy; }

 private:
  base::Result<Account> Find(AccountId id) {
    const auto it = accounts_.find(id);
    if (it == accounts_.end()) return base::NotFound("no account " + std::to_string(id.value));
    return it->second;
  }
  LedgerEntry Append(const Movement& m, base::Money after) {
    LedgerEntry e{static_cast<int64_t>(ledger_.size()) + 1,
                  m.account_id,
                  m.kind,
                  m.amount,
                  after,
                  m.actor,
                  m.reason,
                  m.at,
                  m.call,
                  m.idempotency_key};
    ledger_.push_back(e);
    accounts_[m.account_id].balance = after;
    return e;
  }
  void Release(const CallId& call) {
    const auto it = reservations_.find(call);
    if (it == reservations_.end()) return;
    accounts_[it->second.account_id].reserved -= it->second.amount;
    reservations_.erase(it);
  }

  // Runs `apply` now, or holds it (set_hold_writes) until completed.
  void Write(std::string what, std::function<void()> apply) {
    {
      std::lock_guard lock(mu_);
      if (hold_writes_) {
        held_.push_back(HeldWrite{std::move(what), std::move(apply)});
        return;
      }
    }
    apply();
  }

  struct HeldWrite {
    std::string what;
    std::function<void()> apply;
  };

  std::mutex mu_;
  SpendPolicy spend_;
  bool hold_writes_ = false;
  std::deque<HeldWrite> held_;
  int64_t next_account_ = 1;
  std::map<AccountId, Account> accounts_;
  std::map<std::string, Extension> extensions_;
  std::vector<LedgerEntry> ledger_;
  std::map<CallId, Reservation> reservations_;
  std::map<CallId, Cdr> cdrs_;
  int extension_reads_ = 0;
  bool fail_reads_ = false;
  base::Status fail_next_bill_;
};

}  // namespace tarifador::billing::testing
