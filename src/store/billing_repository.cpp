#include "store/billing_repository.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "base/json_parse.h"
#include "base/local_time.h"
#include "base/strings.h"
#include "billing/authorizer.h"
#include "billing/budget_alerts.h"
#include "store/alert_store.h"
#include "store/audit_store.h"
#include "store/cdr_row.h"
#include "store/spend_hours.h"

namespace tarifador::store {
namespace {

using base::Quoted;
using billing::AccountId;
using billing::CallId;

constexpr const char* kAccountColumns =
    "id, name, type, credit_limit_micros, monthly_budget_micros, balance_micros, reserved_micros, created_us, "
    "updated_us, budget_mode, budget_warn_percent, "
    "(SELECT month FROM budget_spend b WHERE b.account_id = accounts.id ORDER BY month DESC LIMIT 1), "
    "(SELECT spent_micros FROM budget_spend b WHERE b.account_id = accounts.id ORDER BY month DESC LIMIT 1), "
    "low_balance_micros, daily_limit_micros, "
    "(SELECT day FROM day_spend d WHERE d.account_id = accounts.id ORDER BY day DESC LIMIT 1), "
    "(SELECT spent_micros FROM day_spend d WHERE d.account_id = accounts.id ORDER BY day DESC LIMIT 1)";
constexpr const char* kExtensionColumns =
    "number, name, account_id, rate_plan, enabled, guard_price_micros, guard_call_cost_micros, "
    "guard_concurrent_calls, guard_calls_per_hour, guard_repeats_per_hour, guard_international_any_time";
constexpr const char* kLedgerColumns =
    "id, account_id, kind, amount_micros, balance_after_micros, actor, reason, at_us, call_uuid, idempotency_key";
constexpr const char* kReservationColumns = "call_uuid, account_id, amount_micros, covered_s, created_us, updated_us";

// SQLite failures as Status (STYLE.md habit 2): a constraint the checks
// before the write should have prevented is a bug (Internal); anything else
// (busy, I/O, full disk) may pass (Unavailable).
base::Status SqlError(const std::string& context, const SQLite::Exception& e) {
  if (e.getErrorCode() == SQLITE_CONSTRAINT) return base::Internal(context + ": " + e.what());
  return base::Unavailable(context + ": " + e.what());
}

base::Money Micros(SQLite::Statement& st, int col) { return base::Money::FromMicros(st.getColumn(col).getInt64()); }
base::Instant Micro(SQLite::Statement& st, int col) { return base::Instant::FromMicros(st.getColumn(col).getInt64()); }

void BindOptional(SQLite::Statement& st, int index, const std::optional<std::string>& value) {
  if (value) {
    st.bind(index, *value);
  } else {
    st.bind(index);
  }
}

// Row readers, in the column orders above. Throw SQLite::Exception.
base::Result<billing::Account> ReadAccount(SQLite::Statement& st) {
  billing::Account a;
  a.id = AccountId{st.getColumn(0).getInt64()};
  a.name = st.getColumn(1).getString();
  auto type = billing::ParseAccountType(st.getColumn(2).getString());
  if (!type.ok())
    return base::Internal("account " + std::to_string(a.id.value) + ": stored " + type.status().message());
  a.type = *type;
  a.credit_limit = Micros(st, 3);
  if (!st.getColumn(4).isNull()) a.monthly_budget = Micros(st, 4);
  a.balance = Micros(st, 5);
  a.reserved = Micros(st, 6);
  a.created_at = Micro(st, 7);
  a.updated_at = Micro(st, 8);
  auto mode = billing::ParseBudgetMode(st.getColumn(9).getString());
  if (!mode.ok())
    return base::Internal("account " + std::to_string(a.id.value) + ": stored " + mode.status().message());
  a.budget_mode = *mode;
  a.budget_warn_percent = st.getColumn(10).getInt();
  if (!st.getColumn(11).isNull()) {
    a.spent_month = st.getColumn(11).getInt();
    a.month_spent = Micros(st, 12);
  }
  if (!st.getColumn(13).isNull()) a.low_balance = Micros(st, 13);
  if (!st.getColumn(14).isNull()) a.daily_limit = Micros(st, 14);
  if (!st.getColumn(15).isNull()) {
    a.spent_day = st.getColumn(15).getInt();
    a.day_spent = Micros(st, 16);
  }
  return a;
}

billing::Extension ReadExtension(SQLite::Statement& st) {
  billing::Extension x;
  x.number = st.getColumn(0).getString();
  x.name = st.getColumn(1).getString();
  x.account_id = AccountId{st.getColumn(2).getInt64()};
  if (!st.getColumn(3).isNull()) x.rate_plan = st.getColumn(3).getString();
  x.enabled = st.getColumn(4).getInt() != 0;
  billing::ExtensionGuards& g = x.guards;
  if (!st.getColumn(5).isNull()) g.max_price_per_minute = Micros(st, 5);
  if (!st.getColumn(6).isNull()) g.max_call_cost = Micros(st, 6);
  if (!st.getColumn(7).isNull()) g.max_concurrent_calls = st.getColumn(7).getInt64();
  if (!st.getColumn(8).isNull()) g.max_calls_per_hour = st.getColumn(8).getInt64();
  if (!st.getColumn(9).isNull()) g.max_repeats_per_hour = st.getColumn(9).getInt64();
  g.international_any_time = st.getColumn(10).getInt() != 0;
  return x;
}

base::Result<billing::LedgerEntry> ReadLedgerEntry(SQLite::Statement& st) {
  billing::LedgerEntry e;
  e.id = st.getColumn(0).getInt64();
  e.account_id = AccountId{st.getColumn(1).getInt64()};
  auto kind = billing::ParseLedgerKind(st.getColumn(2).getString());
  if (!kind.ok()) return base::Internal("ledger row " + std::to_string(e.id) + ": stored " + kind.status().message());
  e.kind = *kind;
  e.amount = Micros(st, 3);
  e.balance_after = Micros(st, 4);
  e.actor = st.getColumn(5).getString();
  e.reason = st.getColumn(6).getString();
  e.at = Micro(st, 7);
  if (!st.getColumn(8).isNull()) e.call = CallId{st.getColumn(8).getString()};
  if (!st.getColumn(9).isNull()) e.idempotency_key = st.getColumn(9).getString();
  return e;
}

billing::Reservation ReadReservation(SQLite::Statement& st) {
  return billing::Reservation{CallId{st.getColumn(0).getString()},
                              AccountId{st.getColumn(1).getInt64()},
                              Micros(st, 2),
                              st.getColumn(3).getInt64(),
                              Micro(st, 4),
                              Micro(st, 5)};
}

// Appends a ledger row and moves the balance to `balance_after`. The caller
// has checked the movement. Throws SQLite::Exception.
billing::LedgerEntry AppendLedger(SQLite::Database& db, const billing::Movement& m, base::Money balance_after) {
  SQLite::Statement insert(db,
                           "INSERT INTO ledger(account_id, kind, amount_micros, balance_after_micros, actor, reason, "
                           "at_us, call_uuid, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, static_cast<int64_t>(m.account_id.value));
  insert.bind(2, billing::LedgerKindName(m.kind));
  insert.bind(3, static_cast<int64_t>(m.amount.micros()));
  insert.bind(4, static_cast<int64_t>(balance_after.micros()));
  insert.bind(5, m.actor);
  insert.bind(6, m.reason);
  insert.bind(7, static_cast<int64_t>(m.at.micros()));
  BindOptional(insert, 8, m.call ? std::optional<std::string>(m.call->value) : std::nullopt);
  BindOptional(insert, 9, m.idempotency_key);
  insert.exec();
  const int64_t id = db.getLastInsertRowid();
  SQLite::Statement update(db, "UPDATE accounts SET balance_micros = ?, updated_us = ? WHERE id = ?");
  update.bind(1, static_cast<int64_t>(balance_after.micros()));
  update.bind(2, static_cast<int64_t>(m.at.micros()));
  update.bind(3, static_cast<int64_t>(m.account_id.value));
  update.exec();
  return billing::LedgerEntry{id,      m.account_id, m.kind, m.amount, balance_after,
                              m.actor, m.reason,     m.at,   m.call,   m.idempotency_key};
}

// Adds `delta` to the account's reserved money. Throws SQLite::Exception.
void AddReserved(SQLite::Database& db, AccountId account, base::Money delta, base::Instant at) {
  SQLite::Statement st(db, "UPDATE accounts SET reserved_micros = reserved_micros + ?, updated_us = ? WHERE id = ?");
  st.bind(1, static_cast<int64_t>(delta.micros()));
  st.bind(2, static_cast<int64_t>(at.micros()));
  st.bind(3, static_cast<int64_t>(account.value));
  st.exec();
}

// Adds a call's charge to one of its account's spend counters, kept in the
// charge's transaction so a limit check reads one row: `table` budget_spend
// by `period_column` month, or day_spend by office day. Throws
// SQLite::Exception.
void AddSpend(SQLite::Database& db, const char* table, const char* period_column, AccountId account, int64_t period,
              base::Money charged) {
  SQLite::Statement st(db, std::string("INSERT INTO ") + table + "(account_id, " + period_column +
                               ", spent_micros) VALUES (?, ?, ?) ON CONFLICT(account_id, " + period_column +
                               ") DO UPDATE SET spent_micros = spent_micros + excluded.spent_micros");
  st.bind(1, static_cast<int64_t>(account.value));
  st.bind(2, period);
  st.bind(3, static_cast<int64_t>(charged.micros()));
  st.exec();
}

// Raises the alerts account `id`'s budget calls for in `month` (billing's
// BudgetAlertsDue), in the caller's transaction. Throws SQLite::Exception.
void RaiseBudgetAlerts(SQLite::Database& db, AccountId id, billing::BudgetMonth month, bool refused, base::Instant at) {
  base::Result<billing::Account> account = GetAccountIn(db, id);
  if (!account.ok()) return;
  for (const billing::AlertDue& due : billing::BudgetAlertsDue(*account, month, refused)) {
    const nlohmann::json detail = {{"account", account->name},
                                   {"month", billing::BudgetMonthName(month)},
                                   {"budget", account->monthly_budget->ToString()},
                                   {"spent", billing::MonthSpent(*account, month).ToString()},
                                   {"mode", billing::BudgetModeName(account->budget_mode)},
                                   {"warn_percent", account->budget_warn_percent}};
    RaiseAlertIn(db, NewAlert{due.kind, due.severity, due.key, id.value, base::DumpJson(detail)}, at);
  }
}

// A charge that took a prepaid balance from at or above `threshold` to below
// it: one alert per such crossing (the key holds the charge's ledger id), so a
// recharge above the threshold re-arms it. Throws SQLite::Exception.
void RaiseLowBalanceAlert(SQLite::Database& db, const billing::Account& account, base::Money balance,
                          base::Money threshold, int64_t charge_id, base::Instant at) {
  const nlohmann::json detail = {
      {"account", account.name}, {"balance", balance.ToString()}, {"threshold", threshold.ToString()}};
  RaiseAlertIn(db,
               NewAlert{"low_balance", "warning",
                        "low_balance:" + std::to_string(account.id.value) + ":" + std::to_string(charge_id),
                        account.id.value, base::DumpJson(detail)},
               at);
}

// A call refused by a toll-fraud guard: one alert (and one audit row) per
// rule, caller and office day, however many calls the rule refuses. Throws
// SQLite::Exception.
void RaiseGuardAlert(SQLite::Database& db, const billing::Cdr& cdr, base::Instant started, base::Instant at) {
  const base::LocalTime day = base::ToLocal(started);
  char date[16];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", day.year, day.month, day.day);
  // What the guard did: refused the call, cut it where the cost of one call
  // ends, or (alert-only mode) let it go.
  const char* outcome = cdr.disposition == billing::Disposition::kDenied          ? "refused"
                        : cdr.disposition == billing::Disposition::kCutOffNoFunds ? "cut"
                                                                                  : "alert";
  const nlohmann::json detail = {{"rule", cdr.deny_reason},
                                 {"caller", cdr.caller},
                                 {"destination", cdr.destination},
                                 {"day", date},
                                 {"outcome", outcome}};
  std::optional<int64_t> account;
  if (cdr.account_id) account = cdr.account_id->value;
  const bool raised =
      RaiseAlertIn(db,
                   NewAlert{"guard_tripped", "critical", "guard:" + cdr.deny_reason + ":" + cdr.caller + ":" + date,
                            account, base::DumpJson(detail)},
                   at);
  if (raised) {
    AppendAuditRow(
        db, AuditEntry{
                0, at, "billing", "guard.trip", "extension:" + cdr.caller,
                AuditDetail({{"rule", cdr.deny_reason}, {"destination", cdr.destination}, {"call", cdr.uuid.value}})});
  }
}

// The refusal of a reservation the account cannot hold: its monthly budget,
// its daily cap or its money, whichever binds (the tracker tells them apart
// by reading the account again; the message is for people).
base::Status RefuseReservation(const std::string& context, const billing::Account& account, base::Instant at,
                               base::Money wanted, const billing::SpendPolicy& policy) {
  const base::Money callable = billing::CallableMoney(account, at, policy);
  switch (billing::BindingLimit(account, at, policy)) {
    case billing::MoneyLimit::kBudget:
      return base::FailedPrecondition(context + ": monthly budget of " + account.monthly_budget->ToString() +
                                      " reached, " + callable.ToString() + " left for " + wanted.ToString());
    case billing::MoneyLimit::kDailyLimit:
      return base::FailedPrecondition(context + ": daily spend cap of " +
                                      billing::DailyLimit(account, policy)->ToString() + " reached, " +
                                      callable.ToString() + " left for " + wanted.ToString());
    case billing::MoneyLimit::kMoney: break;
  }
  return base::FailedPrecondition(context + ": insufficient funds, " + callable.ToString() + " available for " +
                                  wanted.ToString());
}

// Runs `fn(db)` (returning Result<T>) as one Writer job and hands its value
// back. A job failure or a failed COMMIT is the returned failure.
template <typename T, typename Fn>
base::Result<T> RunJob(Writer& writer, Fn&& fn) {
  std::optional<base::Result<T>> out;
  base::Status s = writer.Run([&](SQLite::Database& db) {
    base::Result<T> r = fn(db);
    base::Status st = r.status();
    out.emplace(std::move(r));
    return st;
  });
  if (!s.ok()) return s;
  return std::move(*out);
}

// Runs `fn(db)` on a read connection, turning SQLite exceptions into Unavailable.
template <typename T, typename Fn>
base::Result<T> RunRead(ReadPool& reads, const std::string& context, Fn&& fn) {
  auto lease = reads.Acquire();
  if (!lease.ok()) return lease.status().WithContext(context);
  return fn(lease->sql());
}

// The account a committed money write left, for the money observer: read in
// the job's own transaction so it is exactly that write's result.
std::optional<AccountId> AccountOf(const billing::MovementResult& r) {
  if (r.replayed) return std::nullopt;
  return r.entry.account_id;
}
std::optional<AccountId> AccountOf(const billing::Reservation& r) { return r.account_id; }
std::optional<AccountId> AccountOf(const billing::Account& a) { return a.id; }
std::optional<AccountId> AccountOf(const billing::CallBilled& b) {
  if (b.charge) return b.charge->account_id;
  if (b.released) return b.released->account_id;
  return std::nullopt;
}
std::optional<AccountId> AccountOf(const std::optional<AccountId>& id) { return id; }

// Runs `fn(db)` as a writer job; when `observer` is set, also reads the
// account AccountOf(result) names in the same transaction and, once the job
// has committed, tells the observer.
template <typename T, typename Fn>
base::Result<T> RunMoneyJob(Writer& writer, const BillingRepository::MoneyObserver& observer, Fn&& fn) {
  std::optional<billing::Account> after;
  base::Result<T> r = RunJob<T>(writer, [&](SQLite::Database& db) {
    base::Result<T> out = fn(db);
    after.reset();
    if (out.ok() && observer) {
      if (const std::optional<AccountId> id = AccountOf(*out)) {
        if (auto a = GetAccountIn(db, *id); a.ok()) after = std::move(*a);
      }
    }
    return out;
  });
  if (r.ok() && after) observer(*after);
  return r;
}

// ReleaseReservationIn, naming the account whose money it freed (none when
// the call held nothing) for the money observer.
base::Result<std::optional<AccountId>> ReleaseNamingAccount(SQLite::Database& db, const CallId& call) {
  std::optional<AccountId> account;
  if (auto held = GetReservationIn(db, call); held.ok()) account = held->account_id;
  TARIFADOR_RETURN_IF_ERROR(ReleaseReservationIn(db, call));
  return account;
}

}  // namespace

base::Result<billing::Account> GetAccountIn(SQLite::Database& db, AccountId id) {
  const std::string context = "reading account " + std::to_string(id.value);
  try {
    SQLite::Statement st(db, std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE id = ?");
    st.bind(1, static_cast<int64_t>(id.value));
    if (!st.executeStep()) return base::NotFound("no account " + std::to_string(id.value));
    return ReadAccount(st);
  } catch (const SQLite::Exception& e) {
    return SqlError(context, e);
  }
}

base::Result<billing::Extension> GetExtensionIn(SQLite::Database& db, std::string_view number) {
  try {
    SQLite::Statement st(db, std::string("SELECT ") + kExtensionColumns + " FROM extensions WHERE number = ?");
    st.bind(1, std::string(number));
    if (!st.executeStep()) return base::NotFound("no extension " + Quoted(number));
    return ReadExtension(st);
  } catch (const SQLite::Exception& e) {
    return SqlError("reading extension " + Quoted(number), e);
  }
}

base::Result<std::vector<billing::Account>> ListAccountsIn(SQLite::Database& db, AccountId after, int64_t limit) {
  try {
    SQLite::Statement st(db,
                         std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE id > ? ORDER BY id LIMIT ?");
    st.bind(1, static_cast<int64_t>(after.value));
    st.bind(2, limit);
    std::vector<billing::Account> out;
    while (st.executeStep()) {
      auto a = ReadAccount(st);
      if (!a.ok()) return a.status();
      out.push_back(std::move(*a));
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return SqlError("listing accounts", e);
  }
}

base::Result<std::vector<billing::Extension>> ListExtensionsIn(SQLite::Database& db, std::string_view after_number,
                                                               int64_t limit) {
  try {
    // `number` is TEXT with the default BINARY collation: byte order, as
    // std::string compares, so a cursor is a plain number.
    SQLite::Statement st(
        db, std::string("SELECT ") + kExtensionColumns + " FROM extensions WHERE number > ? ORDER BY number LIMIT ?");
    st.bind(1, std::string(after_number));
    st.bind(2, limit);
    std::vector<billing::Extension> out;
    while (st.executeStep()) out.push_back(ReadExtension(st));
    return out;
  } catch (const SQLite::Exception& e) {
    return SqlError("listing extensions", e);
  }
}

base::Result<std::vector<billing::LedgerEntry>> ListLedgerIn(SQLite::Database& db, AccountId id, int64_t cursor,
                                                             int64_t limit, bool newest_first) {
  try {
    SQLite::Statement st(db,
                         std::string("SELECT ") + kLedgerColumns +
                             (newest_first ? " FROM ledger WHERE account_id = ? AND (? = 0 OR id < ?2) ORDER BY id DESC"
                                           : " FROM ledger WHERE account_id = ? AND id > ? ORDER BY id") +
                             " LIMIT ?3");
    st.bind(1, static_cast<int64_t>(id.value));
    st.bind(2, cursor);
    st.bind(3, limit);
    std::vector<billing::LedgerEntry> out;
    while (st.executeStep()) {
      auto e = ReadLedgerEntry(st);
      if (!e.ok()) return e.status();
      out.push_back(std::move(*e));
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return SqlError("reading the ledger of account " + std::to_string(id.value), e);
  }
}

base::Result<billing::Reservation> GetReservationIn(SQLite::Database& db, const CallId& call) {
  try {
    SQLite::Statement st(db, std::string("SELECT ") + kReservationColumns + " FROM reservations WHERE call_uuid = ?");
    st.bind(1, call.value);
    if (!st.executeStep()) return base::NotFound("no reservation for call " + call.value);
    return ReadReservation(st);
  } catch (const SQLite::Exception& e) {
    return SqlError("reading the reservation of call " + call.value, e);
  }
}

base::Result<std::vector<billing::Reservation>> ListReservationsIn(SQLite::Database& db) {
  try {
    SQLite::Statement st(db, std::string("SELECT ") + kReservationColumns + " FROM reservations ORDER BY created_us");
    std::vector<billing::Reservation> out;
    while (st.executeStep()) out.push_back(ReadReservation(st));
    return out;
  } catch (const SQLite::Exception& e) {
    return SqlError("listing the open reservations", e);
  }
}

base::Result<billing::Cdr> GetCdrIn(SQLite::Database& db, const CallId& call) {
  try {
    SQLite::Statement st(db, std::string("SELECT ") + kCdrColumns + " FROM cdrs WHERE uuid = ?");
    st.bind(1, call.value);
    if (!st.executeStep()) return base::NotFound("no CDR for call " + call.value);
    return ReadCdrRow(st);
  } catch (const SQLite::Exception& e) {
    return SqlError("reading the CDR of call " + call.value, e);
  }
}

base::Result<billing::Account> CreateAccountIn(SQLite::Database& db, const billing::NewAccount& account,
                                               std::string_view actor, base::Instant at) {
  const std::string context = "creating account " + Quoted(account.name);
  TARIFADOR_RETURN_IF_ERROR(billing::ValidateNewAccount(account).WithContext(context));
  try {
    SQLite::Statement find(db, "SELECT id FROM accounts WHERE name = ?");
    find.bind(1, account.name);
    if (find.executeStep()) return base::AlreadyExists(context + ": the name is taken");
    SQLite::Statement insert(db,
                             "INSERT INTO accounts(name, type, credit_limit_micros, monthly_budget_micros, created_us, "
                             "updated_us, budget_mode, budget_warn_percent, low_balance_micros, daily_limit_micros) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, account.name);
    insert.bind(2, billing::AccountTypeName(account.type));
    insert.bind(3, static_cast<int64_t>(account.credit_limit.micros()));
    if (account.monthly_budget) {
      insert.bind(4, static_cast<int64_t>(account.monthly_budget->micros()));
    } else {
      insert.bind(4);
    }
    insert.bind(5, static_cast<int64_t>(at.micros()));
    insert.bind(6, static_cast<int64_t>(at.micros()));
    insert.bind(7, billing::BudgetModeName(account.budget_mode));
    insert.bind(8, account.budget_warn_percent);
    if (account.low_balance) {
      insert.bind(9, static_cast<int64_t>(account.low_balance->micros()));
    } else {
      insert.bind(9);
    }
    if (account.daily_limit) {
      insert.bind(10, static_cast<int64_t>(account.daily_limit->micros()));
    } else {
      insert.bind(10);
    }
    insert.exec();
    const AccountId id{db.getLastInsertRowid()};
    AppendAuditRow(
        db, AuditEntry{0, at, std::string(actor), "account.create", "account:" + std::to_string(id.value),
                       AuditDetail({{"name", account.name},
                                    {"type", billing::AccountTypeName(account.type)},
                                    {"credit_limit", account.credit_limit.ToString()},
                                    {"monthly_budget",
                                     account.monthly_budget ? account.monthly_budget->ToString() : std::string()},
                                    {"budget_mode", billing::BudgetModeName(account.budget_mode)},
                                    {"budget_warn_percent", std::to_string(account.budget_warn_percent)},
                                    {"low_balance", account.low_balance ? account.low_balance->ToString() : ""},
                                    {"daily_limit", account.daily_limit ? account.daily_limit->ToString() : ""}})});
    return GetAccountIn(db, id);
  } catch (const SQLite::Exception& e) {
    return SqlError(context, e);
  }
}

base::Result<billing::Account> UpdateAccountIn(SQLite::Database& db, AccountId id,
                                               const billing::AccountChanges& changes, std::string_view actor,
                                               base::Instant at) {
  const std::string context = "changing account " + std::to_string(id.value);
  auto before = GetAccountIn(db, id);
  if (!before.ok()) return before.status();
  auto after = billing::ApplyAccountChanges(*before, changes);
  if (!after.ok()) return after.status().WithContext(context);
  try {
    if (after->name != before->name) {
      SQLite::Statement find(db, "SELECT id FROM accounts WHERE name = ? AND id <> ?");
      find.bind(1, after->name);
      find.bind(2, static_cast<int64_t>(id.value));
      if (find.executeStep()) return base::AlreadyExists(context + ": the name " + Quoted(after->name) + " is taken");
    }
    SQLite::Statement update(
        db,
        "UPDATE accounts SET name = ?, credit_limit_micros = ?, monthly_budget_micros = ?, "
        "budget_mode = ?, budget_warn_percent = ?, low_balance_micros = ?, daily_limit_micros = ?, "
        "updated_us = ? WHERE id = ?");
    update.bind(1, after->name);
    update.bind(2, static_cast<int64_t>(after->credit_limit.micros()));
    if (after->monthly_budget) {
      update.bind(3, static_cast<int64_t>(after->monthly_budget->micros()));
    } else {
      update.bind(3);
    }
    update.bind(4, billing::BudgetModeName(after->budget_mode));
    update.bind(5, after->budget_warn_percent);
    if (after->low_balance) {
      update.bind(6, static_cast<int64_t>(after->low_balance->micros()));
    } else {
      update.bind(6);
    }
    if (after->daily_limit) {
      update.bind(7, static_cast<int64_t>(after->daily_limit->micros()));
    } else {
      update.bind(7);
    }
    update.bind(8, static_cast<int64_t>(at.micros()));
    update.bind(9, static_cast<int64_t>(id.value));
    update.exec();
    // Only what changed, as "before -> after".
    std::vector<std::pair<std::string, std::string>> fields;
    const auto note = [&fields](std::string_view name, const std::string& was, const std::string& now) {
      if (was != now) fields.emplace_back(std::string(name), was + " -> " + now);
    };
    const auto budget = [](const billing::Account& a) {
      return a.monthly_budget ? a.monthly_budget->ToString() : std::string("none");
    };
    note("name", before->name, after->name);
    note("credit_limit", before->credit_limit.ToString(), after->credit_limit.ToString());
    note("monthly_budget", budget(*before), budget(*after));
    note("budget_mode", billing::BudgetModeName(before->budget_mode), billing::BudgetModeName(after->budget_mode));
    note("budget_warn_percent", std::to_string(before->budget_warn_percent),
         std::to_string(after->budget_warn_percent));
    const auto low = [](const billing::Account& a) {
      return a.low_balance ? a.low_balance->ToString() : std::string("box-wide");
    };
    note("low_balance", low(*before), low(*after));
    const auto daily = [](const billing::Account& a) {
      return a.daily_limit ? a.daily_limit->ToString() : std::string("box-wide");
    };
    note("daily_limit", daily(*before), daily(*after));
    nlohmann::json detail = nlohmann::json::object();
    for (const auto& [k, v] : fields) detail[k] = v;
    AppendAuditRow(db, AuditEntry{0, at, std::string(actor), "account.update", "account:" + std::to_string(id.value),
                                  base::DumpJson(detail)});
    // A budget lowered below this month's spend is reached now.
    RaiseBudgetAlerts(db, id, billing::BudgetMonthOf(at), false, at);
    return GetAccountIn(db, id);
  } catch (const SQLite::Exception& e) {
    return SqlError(context, e);
  }
}

namespace {

// PutExtensionIn and CreateExtensionIn: validates, checks the account, upserts
// and audits as `action`. `context` names the operation for messages.
base::Status WriteExtension(SQLite::Database& db, const billing::Extension& extension, std::string_view actor,
                            base::Instant at, const char* action, const std::string& context) {
  TARIFADOR_RETURN_IF_ERROR(billing::ValidateExtension(extension).WithContext(context));
  auto account = GetAccountIn(db, extension.account_id);
  if (!account.ok()) return account.status().WithContext(context);
  try {
    SQLite::Statement st(db,
                         "INSERT INTO extensions(number, name, account_id, rate_plan, enabled, created_us, updated_us, "
                         "guard_price_micros, guard_call_cost_micros, guard_concurrent_calls, guard_calls_per_hour, "
                         "guard_repeats_per_hour, guard_international_any_time) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(number) DO UPDATE SET "
                         "name = excluded.name, account_id = excluded.account_id, rate_plan = excluded.rate_plan, "
                         "enabled = excluded.enabled, updated_us = excluded.updated_us, "
                         "guard_price_micros = excluded.guard_price_micros, "
                         "guard_call_cost_micros = excluded.guard_call_cost_micros, "
                         "guard_concurrent_calls = excluded.guard_concurrent_calls, "
                         "guard_calls_per_hour = excluded.guard_calls_per_hour, "
                         "guard_repeats_per_hour = excluded.guard_repeats_per_hour, "
                         "guard_international_any_time = excluded.guard_international_any_time");
    st.bind(1, extension.number);
    st.bind(2, extension.name);
    st.bind(3, static_cast<int64_t>(extension.account_id.value));
    BindOptional(st, 4, extension.rate_plan);
    st.bind(5, extension.enabled ? 1 : 0);
    st.bind(6, static_cast<int64_t>(at.micros()));
    st.bind(7, static_cast<int64_t>(at.micros()));
    const billing::ExtensionGuards& g = extension.guards;
    const auto bind_money = [&st](int i, const std::optional<base::Money>& m) {
      if (m) {
        st.bind(i, static_cast<int64_t>(m->micros()));
      } else {
        st.bind(i);
      }
    };
    const auto bind_count = [&st](int i, const std::optional<int64_t>& n) {
      if (n) {
        st.bind(i, *n);
      } else {
        st.bind(i);
      }
    };
    bind_money(8, g.max_price_per_minute);
    bind_money(9, g.max_call_cost);
    bind_count(10, g.max_concurrent_calls);
    bind_count(11, g.max_calls_per_hour);
    bind_count(12, g.max_repeats_per_hour);
    st.bind(13, g.international_any_time ? 1 : 0);
    st.exec();
    AppendAuditRow(db, AuditEntry{0, at, std::string(actor), action, "extension:" + extension.number,
                                  AuditDetail({{"name", extension.name},
                                               {"account_id", std::to_string(extension.account_id.value)},
                                               {"rate_plan", extension.rate_plan.value_or("")},
                                               {"enabled", extension.enabled ? "true" : "false"},
                                               {"guards", billing::DescribeExtensionGuards(g)}})});
  } catch (const SQLite::Exception& e) {
    return SqlError(context, e);
  }
  return base::Status::Ok();
}

}  // namespace

base::Status PutExtensionIn(SQLite::Database& db, const billing::Extension& extension, std::string_view actor,
                            base::Instant at) {
  return WriteExtension(db, extension, actor, at, "extension.put", "saving extension " + Quoted(extension.number));
}

base::Status CreateExtensionIn(SQLite::Database& db, const billing::Extension& extension, std::string_view actor,
                               base::Instant at) {
  const std::string context = "creating extension " + Quoted(extension.number);
  TARIFADOR_RETURN_IF_ERROR(billing::ValidateExtension(extension).WithContext(context));
  // Checked in the writer's transaction, so two creates of one number cannot
  // both succeed.
  auto existing = GetExtensionIn(db, extension.number);
  if (existing.ok()) return base::AlreadyExists("extension " + Quoted(extension.number) + " already exists");
  if (existing.status().code() != base::StatusCode::kNotFound) return existing.status().WithContext(context);
  return WriteExtension(db, extension, actor, at, "extension.create", context);
}

base::Result<billing::MovementResult> ApplyMovementIn(SQLite::Database& db, const billing::Movement& movement) {
  TARIFADOR_RETURN_IF_ERROR(billing::ValidateMovement(movement));
  const std::string context = std::string(billing::LedgerKindName(movement.kind)) + " of " +
                              movement.amount.ToString() + " on account " + std::to_string(movement.account_id.value);
  try {
    if (movement.idempotency_key) {
      SQLite::Statement find(db, std::string("SELECT ") + kLedgerColumns + " FROM ledger WHERE idempotency_key = ?");
      find.bind(1, *movement.idempotency_key);
      if (find.executeStep()) {
        auto first = ReadLedgerEntry(find);
        if (!first.ok()) return first.status();
        if (!billing::SameMovement(*first, movement)) {
          return base::FailedPrecondition(context + ": idempotency key " + Quoted(*movement.idempotency_key) +
                                          " was already used for a " + billing::LedgerKindName(first->kind) + " of " +
                                          first->amount.ToString() + " on account " +
                                          std::to_string(first->account_id.value));
        }
        return billing::MovementResult{std::move(*first), true};
      }
    }
    auto account = GetAccountIn(db, movement.account_id);
    if (!account.ok()) return account.status().WithContext(context);
    auto after = billing::BalanceAfterMovement(*account, movement);
    if (!after.ok()) return after.status();
    billing::LedgerEntry entry = AppendLedger(db, movement, *after);
    // People's money operations are audited with the row (SPEC 7); call
    // charges are not: the CDR written with them is their record.
    if (movement.kind != billing::LedgerKind::kCallCharge) {
      AppendAuditRow(db, AuditEntry{0, movement.at, movement.actor,
                                    std::string("ledger.") + billing::LedgerKindName(movement.kind),
                                    "account:" + std::to_string(movement.account_id.value),
                                    AuditDetail({{"ledger_id", std::to_string(entry.id)},
                                                 {"amount", entry.amount.ToString()},
                                                 {"balance_after", entry.balance_after.ToString()},
                                                 {"reason", entry.reason},
                                                 {"idempotency_key", movement.idempotency_key.value_or("")}})});
    }
    return billing::MovementResult{std::move(entry), false};
  } catch (const SQLite::Exception& e) {
    return SqlError(context, e);
  }
}

base::Result<billing::Reservation> ReserveIn(SQLite::Database& db, const billing::Reservation& r,
                                             const billing::SpendPolicy& policy) {
  const std::string context = "reserving " + r.amount.ToString() + " on account " + std::to_string(r.account_id.value) +
                              " for call " + r.call.value;
  if (r.call.empty()) return base::InvalidArgument(context + ": no call uuid");
  if (r.amount.is_negative() || r.covered_s < 0) return base::InvalidArgument(context + ": negative amount or time");
  try {
    auto existing = GetReservationIn(db, r.call);
    if (existing.ok()) return base::AlreadyExists(context + ": the call already holds a reservation");
    if (existing.status().code() != base::StatusCode::kNotFound) return existing.status();
    // A billed call has ended, and BillCall is what releases a reservation:
    // one taken now (a re-attach racing the call's end) would stay forever.
    SQLite::Statement billed(db, "SELECT 1 FROM cdrs WHERE uuid = ?");
    billed.bind(1, r.call.value);
    if (billed.executeStep()) return base::AlreadyExists(context + ": the call is already billed");
    auto account = GetAccountIn(db, r.account_id);
    if (!account.ok()) return account.status().WithContext(context);
    if (r.amount > billing::CallableMoney(*account, r.updated_at, policy)) {
      return RefuseReservation(context, *account, r.updated_at, r.amount, policy);
    }
    SQLite::Statement insert(
        db, std::string("INSERT INTO reservations(") + kReservationColumns + ") VALUES (?, ?, ?, ?, ?, ?)");
    insert.bind(1, r.call.value);
    insert.bind(2, static_cast<int64_t>(r.account_id.value));
    insert.bind(3, static_cast<int64_t>(r.amount.micros()));
    insert.bind(4, r.covered_s);
    insert.bind(5, static_cast<int64_t>(r.created_at.micros()));
    insert.bind(6, static_cast<int64_t>(r.updated_at.micros()));
    insert.exec();
    AddReserved(db, r.account_id, r.amount, r.updated_at);
    return r;
  } catch (const SQLite::Exception& e) {
    return SqlError(context, e);
  }
}

base::Result<billing::Reservation> ExtendReservationIn(SQLite::Database& db, const CallId& call, base::Money new_amount,
                                                       int64_t covered_s, base::Instant at,
                                                       const billing::SpendPolicy& policy) {
  const std::string context = "extending the reservation of call " + call.value + " to " + new_amount.ToString();
  if (new_amount.is_negative() || covered_s < 0) return base::InvalidArgument(context + ": negative amount or time");
  try {
    auto r = GetReservationIn(db, call);
    if (!r.ok()) return r.status().WithContext(context);
    auto account = GetAccountIn(db, r->account_id);
    if (!account.ok()) return account.status().WithContext(context);
    const base::Money delta = new_amount - r->amount;
    if (delta > base::Money() && delta > billing::CallableMoney(*account, at, policy)) {
      return RefuseReservation(context, *account, at, delta, policy);
    }
    SQLite::Statement update(db,
                             "UPDATE reservations SET amount_micros = ?, covered_s = ?, updated_us = ? "
                             "WHERE call_uuid = ?");
    update.bind(1, static_cast<int64_t>(new_amount.micros()));
    update.bind(2, covered_s);
    update.bind(3, static_cast<int64_t>(at.micros()));
    update.bind(4, call.value);
    update.exec();
    AddReserved(db, r->account_id, delta, at);
    r->amount = new_amount;
    r->covered_s = covered_s;
    r->updated_at = at;
    return r;
  } catch (const SQLite::Exception& e) {
    return SqlError(context, e);
  }
}

base::Status ReleaseReservationIn(SQLite::Database& db, const CallId& call) {
  try {
    auto r = GetReservationIn(db, call);
    if (!r.ok()) return r.status().code() == base::StatusCode::kNotFound ? base::Status::Ok() : r.status();
    SQLite::Statement del(db, "DELETE FROM reservations WHERE call_uuid = ?");
    del.bind(1, call.value);
    del.exec();
    AddReserved(db, r->account_id, -r->amount, r->updated_at);
  } catch (const SQLite::Exception& e) {
    return SqlError("releasing the reservation of call " + call.value, e);
  }
  return base::Status::Ok();
}

base::Result<billing::CallBilled> BillCallIn(SQLite::Database& db, const billing::Cdr& cdr, base::Instant at,
                                             std::optional<base::Money> low_balance) {
  const std::string context = "billing call " + cdr.uuid.value;
  if (cdr.uuid.empty()) return base::InvalidArgument("billing a call: no uuid");
  if (cdr.cost.is_negative()) return base::InvalidArgument(context + ": negative cost " + cdr.cost.ToString());
  if (!cdr.cost.is_zero() && !cdr.account_id) return base::InvalidArgument(context + ": a cost but no account");
  try {
    // The CDR's primary key is what makes billing idempotent (SPEC 4): look
    // first so a replay changes nothing and says so.
    SQLite::Statement seen(db, "SELECT 1 FROM cdrs WHERE uuid = ?");
    seen.bind(1, cdr.uuid.value);
    if (seen.executeStep()) return base::AlreadyExists("call " + cdr.uuid.value + " is already billed");

    billing::CallBilled out;
    if (auto r = GetReservationIn(db, cdr.uuid); r.ok()) {
      TARIFADOR_RETURN_IF_ERROR(ReleaseReservationIn(db, cdr.uuid));
      out.released = *r;
    } else if (r.status().code() != base::StatusCode::kNotFound) {
      return r.status();
    }

    // The budget month is the call's (its start, in the office time zone),
    // as the reports count it.
    const base::Instant started = cdr.start_us > 0 ? base::Instant::FromMicros(cdr.start_us) : at;
    bool has_budget = false;
    if (cdr.cost > base::Money()) {
      auto account = GetAccountIn(db, *cdr.account_id);
      if (!account.ok()) return account.status().WithContext(context);
      has_budget = account->monthly_budget.has_value();
      out.charged = billing::ChargeableAmount(*account, cdr.cost);
      if (out.charged > base::Money()) {
        billing::Movement charge{*cdr.account_id,
                                 billing::LedgerKind::kCallCharge,
                                 -out.charged,
                                 "billing",
                                 "call to " + cdr.destination,
                                 at,
                                 cdr.uuid,
                                 std::nullopt};
        auto after = billing::BalanceAfterMovement(*account, charge);
        if (!after.ok()) return after.status().WithContext(context);  // ChargeableAmount makes this unreachable
        out.charge = AppendLedger(db, charge, *after);
        AddSpend(db, "budget_spend", "month", *cdr.account_id, billing::BudgetMonthOf(started), out.charged);
        AddSpend(db, "day_spend", "day", *cdr.account_id, billing::SpendDayOf(started), out.charged);
        // The account's own threshold, else the box's (alerts.low_balance).
        const std::optional<base::Money> threshold = account->low_balance ? account->low_balance : low_balance;
        if (threshold && account->type == billing::AccountType::kPrepaid && account->balance >= *threshold &&
            *after < *threshold) {
          RaiseLowBalanceAlert(db, *account, *after, *threshold, out.charge->id, at);
        }
      }
    }
    // The budget's alerts, in the charge's transaction: crossed by this
    // charge, or a call refused or cut for the budget. Accounts without a
    // budget (most) read nothing more.
    const bool refused =
        cdr.deny_reason == billing::AuthorizationReasonName(billing::AuthorizationReason::kBudgetExhausted);
    if (cdr.account_id && ((has_budget && out.charged > base::Money()) || refused)) {
      RaiseBudgetAlerts(db, *cdr.account_id, billing::BudgetMonthOf(started), refused, at);
    }
    if (billing::IsGuardReason(cdr.deny_reason)) RaiseGuardAlert(db, cdr, started, at);
    if (cdr.direction == billing::Direction::kOutbound) AddToSpendHourIn(db, started.micros(), out.charged);

    SQLite::Statement insert(db, std::string("INSERT INTO cdrs(") + kCdrColumns +
                                     ", billed_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                     "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    int i = 0;
    insert.bind(++i, cdr.uuid.value);
    insert.bind(++i, JoinLinkedUuids(cdr.linked));
    insert.bind(++i, cdr.site_id);
    insert.bind(++i, billing::DirectionName(cdr.direction));
    insert.bind(++i, cdr.caller);
    insert.bind(++i, cdr.caller_name);
    if (cdr.account_id) {
      insert.bind(++i, static_cast<int64_t>(cdr.account_id->value));
    } else {
      insert.bind(++i);
    }
    insert.bind(++i, cdr.destination);
    insert.bind(++i, cdr.normalised);
    insert.bind(++i, cdr.zone);
    insert.bind(++i, cdr.prefix);
    insert.bind(++i, cdr.rate_plan);
    insert.bind(++i, static_cast<int64_t>(cdr.price_per_minute.micros()));
    insert.bind(++i, static_cast<int64_t>(cdr.connection_fee.micros()));
    insert.bind(++i, cdr.start_us);
    insert.bind(++i, cdr.answer_us);
    insert.bind(++i, cdr.bridge_us);
    insert.bind(++i, cdr.end_us);
    insert.bind(++i, cdr.duration_s);
    insert.bind(++i, cdr.billsec);
    insert.bind(++i, cdr.billusec);
    insert.bind(++i, cdr.billable_seconds);
    insert.bind(++i, static_cast<int64_t>(cdr.cost.micros()));
    insert.bind(++i, static_cast<int64_t>(out.charged.micros()));
    insert.bind(++i, cdr.hangup_cause);
    insert.bind(++i, billing::DispositionName(cdr.disposition));
    insert.bind(++i, cdr.deny_reason);
    insert.bind(++i, cdr.gateway);
    insert.bind(++i, cdr.pin_id);
    insert.bind(++i, cdr.pin_owner);
    insert.bind(++i, static_cast<int64_t>(at.micros()));
    insert.exec();
    return out;
  } catch (const SQLite::Exception& e) {
    return SqlError(context, e);
  }
}

base::Status CheckLedgerBalances(SQLite::Database& db) {
  constexpr int kMaxListed = 10;
  std::string problems;
  int n = 0;
  const auto add = [&](const std::string& p) {
    if (++n <= kMaxListed) problems += (problems.empty() ? "" : "; ") + p;
  };
  SQLite::Statement accounts(db,
                             "SELECT a.id, a.type, a.balance_micros, coalesce(l.total, 0), a.reserved_micros, "
                             "coalesce(r.total, 0) FROM accounts a "
                             "LEFT JOIN (SELECT account_id, sum(amount_micros) AS total FROM ledger "
                             "GROUP BY account_id) l ON l.account_id = a.id "
                             "LEFT JOIN (SELECT account_id, sum(amount_micros) AS total FROM reservations "
                             "GROUP BY account_id) r ON r.account_id = a.id ORDER BY a.id");
  while (accounts.executeStep()) {
    const std::string who = "account " + std::to_string(accounts.getColumn(0).getInt64());
    const base::Money balance = Micros(accounts, 2);
    const base::Money ledger = Micros(accounts, 3);
    const base::Money reserved = Micros(accounts, 4);
    const base::Money open = Micros(accounts, 5);
    if (balance != ledger) {
      add(who + ": balance " + balance.ToString() + " but its ledger sums to " + ledger.ToString() + " (off by " +
          (balance - ledger).ToString() + ")");
    }
    if (reserved != open) {
      add(who + ": reserved " + reserved.ToString() + " but its open reservations sum to " + open.ToString());
    }
    if (accounts.getColumn(1).getString() == "prepaid" && balance.is_negative()) {
      add(who + ": prepaid balance " + balance.ToString() + " is below zero");
    }
  }
  // A billed call's reservation is released in the same transaction as its
  // CDR is written, and none is taken once it is: one left open is money
  // held for a call that has ended.
  SQLite::Statement billed(db,
                           "SELECT r.account_id, r.call_uuid, r.amount_micros FROM reservations r "
                           "JOIN cdrs c ON c.uuid = r.call_uuid ORDER BY r.created_us, r.call_uuid");
  while (billed.executeStep()) {
    add("account " + std::to_string(billed.getColumn(0).getInt64()) + ": reservation of " +
        Micros(billed, 2).ToString() + " for call " + billed.getColumn(1).getString() +
        " is still open but the call is already billed");
  }
  SQLite::Statement rows(db,
                         "SELECT id, account_id, balance_after_micros, running FROM (SELECT id, account_id, "
                         "balance_after_micros, sum(amount_micros) OVER (PARTITION BY account_id ORDER BY id) "
                         "AS running FROM ledger) WHERE balance_after_micros <> running ORDER BY id");
  while (rows.executeStep()) {
    add("ledger row " + std::to_string(rows.getColumn(0).getInt64()) + " of account " +
        std::to_string(rows.getColumn(1).getInt64()) + ": balance_after " + Micros(rows, 2).ToString() +
        " but the rows up to it sum to " + Micros(rows, 3).ToString());
  }
  if (n == 0) return base::Status::Ok();
  if (n > kMaxListed) problems += "; ... (" + std::to_string(n) + " in all)";
  return base::Internal(problems);
}

namespace {

// One spend table (budget_spend by month, day_spend by office day) against
// the CDRs it counts: `period` is the strftime format of its key and
// `column` the key's name; `name` says a period and the table ("month
// 2027-01: budget spend"). Appends to `problems`; returns how many.
int CheckSpendTable(SQLite::Database& db, const std::string& table, const std::string& column,
                    const std::string& period, const std::function<std::string(int64_t)>& name, std::string& problems) {
  constexpr int kMaxListed = 10;
  int n = 0;
  // Periods are the office time zone's, as BillCallIn counts them (the check
  // runs with the configured zone set, as serve does). CDR retention prunes
  // the oldest CDRs first: periods after the oldest remaining CDR's are
  // complete and must match exactly; that period and earlier ones may have
  // lost CDRs, so their spend may only be larger.
  const std::string key = "CAST(strftime('" + period + "', start_us / 1000000, 'unixepoch', 'localtime') AS INTEGER)";
  SQLite::Statement rows(db, "WITH c AS (SELECT account_id, " + key + " AS k, sum(charged_micros) AS total FROM cdrs " +
                                 "WHERE account_id IS NOT NULL AND charged_micros > 0 GROUP BY 1, 2) " +
                                 "SELECT b.account_id, b." + column + ", b.spent_micros, coalesce(c.total, 0) FROM " +
                                 table + " b LEFT JOIN c ON c.account_id = b.account_id AND c.k = b." + column +
                                 " UNION ALL SELECT c.account_id, c.k, 0, c.total FROM c LEFT JOIN " + table +
                                 " b ON b.account_id = c.account_id AND b." + column +
                                 " = c.k WHERE b.account_id IS NULL ORDER BY 1, 2");
  SQLite::Statement oldest(db, "SELECT CAST(strftime('" + period +
                                   "', min(start_us) / 1000000, 'unixepoch', 'localtime') AS INTEGER) FROM cdrs");
  const int64_t complete_after =
      oldest.executeStep() && !oldest.getColumn(0).isNull() ? oldest.getColumn(0).getInt64() : 0;
  while (rows.executeStep()) {
    const int64_t k = rows.getColumn(1).getInt64();
    const base::Money spent = Micros(rows, 2);
    const base::Money charged = Micros(rows, 3);
    const bool ok = k > complete_after ? spent == charged : spent >= charged;
    if (!ok && ++n <= kMaxListed) {
      problems += (problems.empty() ? "" : "; ") + std::string("account ") +
                  std::to_string(rows.getColumn(0).getInt64()) + " " + name(k) + " " + spent.ToString() +
                  " but its calls were charged " + charged.ToString();
    }
  }
  return n;
}

}  // namespace

base::Status CheckBudgetSpend(SQLite::Database& db) {
  constexpr int kMaxListed = 10;
  std::string problems;
  const int n =
      CheckSpendTable(
          db, "budget_spend", "month", "%Y%m",
          [](int64_t k) {
            return "month " + billing::BudgetMonthName(static_cast<billing::BudgetMonth>(k)) + ": budget spend";
          },
          problems) +
      CheckSpendTable(
          db, "day_spend", "day", "%Y%m%d",
          [](int64_t k) { return "day " + billing::SpendDayName(static_cast<billing::SpendDay>(k)) + ": day spend"; },
          problems);
  if (n == 0) return base::Status::Ok();
  if (n > kMaxListed) problems += "; ... (" + std::to_string(n) + " in all)";
  return base::Internal(problems);
}

base::Result<billing::Account> BillingRepository::CreateAccount(const billing::NewAccount& account,
                                                                std::string_view actor, base::Instant at) {
  return RunJob<billing::Account>(writer_,
                                  [&](SQLite::Database& db) { return CreateAccountIn(db, account, actor, at); });
}

base::Result<billing::Account> BillingRepository::UpdateAccount(AccountId id, const billing::AccountChanges& changes,
                                                                std::string_view actor, base::Instant at) {
  return RunMoneyJob<billing::Account>(
      writer_, money_observer_, [&](SQLite::Database& db) { return UpdateAccountIn(db, id, changes, actor, at); });
}

base::Result<billing::Account> BillingRepository::GetAccount(AccountId id) {
  return RunRead<billing::Account>(reads_, "reading account " + std::to_string(id.value),
                                   [&](SQLite::Database& db) { return GetAccountIn(db, id); });
}

base::Status BillingRepository::PutExtension(const billing::Extension& extension, std::string_view actor,
                                             base::Instant at) {
  return writer_.Run([&](SQLite::Database& db) { return PutExtensionIn(db, extension, actor, at); });
}

base::Status BillingRepository::CreateExtension(const billing::Extension& extension, std::string_view actor,
                                                base::Instant at) {
  return writer_.Run([&](SQLite::Database& db) { return CreateExtensionIn(db, extension, actor, at); });
}

base::Result<std::vector<billing::Account>> BillingRepository::ListAccounts(AccountId after, int64_t limit) {
  return RunRead<std::vector<billing::Account>>(reads_, "listing accounts",
                                                [&](SQLite::Database& db) { return ListAccountsIn(db, after, limit); });
}

base::Result<std::vector<billing::Extension>> BillingRepository::ListExtensions(std::string_view after_number,
                                                                                int64_t limit) {
  return RunRead<std::vector<billing::Extension>>(
      reads_, "listing extensions", [&](SQLite::Database& db) { return ListExtensionsIn(db, after_number, limit); });
}

base::Result<billing::Extension> BillingRepository::GetExtension(std::string_view number) {
  return RunRead<billing::Extension>(reads_, "reading extension " + Quoted(number),
                                     [&](SQLite::Database& db) { return GetExtensionIn(db, number); });
}

base::Result<billing::MovementResult> BillingRepository::ApplyMovement(const billing::Movement& movement) {
  return RunMoneyJob<billing::MovementResult>(writer_, money_observer_,
                                              [&](SQLite::Database& db) { return ApplyMovementIn(db, movement); });
}

base::Result<std::vector<billing::LedgerEntry>> BillingRepository::ListLedger(AccountId id, int64_t after_id,
                                                                              int64_t limit) {
  return RunRead<std::vector<billing::LedgerEntry>>(
      reads_, "reading the ledger of account " + std::to_string(id.value),
      [&](SQLite::Database& db) { return ListLedgerIn(db, id, after_id, limit); });
}

base::Result<std::vector<billing::LedgerEntry>> BillingRepository::ListLedgerNewest(AccountId id, int64_t before_id,
                                                                                    int64_t limit) {
  return RunRead<std::vector<billing::LedgerEntry>>(
      reads_, "reading the ledger of account " + std::to_string(id.value),
      [&](SQLite::Database& db) { return ListLedgerIn(db, id, before_id, limit, /*newest_first=*/true); });
}

base::Result<billing::Reservation> BillingRepository::Reserve(const billing::Reservation& reservation) {
  return RunMoneyJob<billing::Reservation>(writer_, money_observer_,
                                           [&](SQLite::Database& db) { return ReserveIn(db, reservation, spend_); });
}

base::Result<billing::Reservation> BillingRepository::ExtendReservation(const CallId& call, base::Money new_amount,
                                                                        int64_t covered_s, base::Instant at) {
  return RunMoneyJob<billing::Reservation>(writer_, money_observer_, [&](SQLite::Database& db) {
    return ExtendReservationIn(db, call, new_amount, covered_s, at, spend_);
  });
}

base::Status BillingRepository::ReleaseReservation(const CallId& call) {
  return RunMoneyJob<std::optional<AccountId>>(writer_, money_observer_,
                                               [&](SQLite::Database& db) { return ReleaseNamingAccount(db, call); })
      .status();
}

base::Result<billing::Reservation> BillingRepository::GetReservation(const CallId& call) {
  return RunRead<billing::Reservation>(reads_, "reading the reservation of call " + call.value,
                                       [&](SQLite::Database& db) { return GetReservationIn(db, call); });
}

base::Result<std::vector<billing::Reservation>> BillingRepository::ListReservations() {
  return RunRead<std::vector<billing::Reservation>>(reads_, "listing the open reservations",
                                                    [&](SQLite::Database& db) { return ListReservationsIn(db); });
}

base::Result<billing::CallBilled> BillingRepository::BillCall(const billing::Cdr& cdr, base::Instant at) {
  return RunMoneyJob<billing::CallBilled>(writer_, money_observer_,
                                          [&](SQLite::Database& db) { return BillCallIn(db, cdr, at, low_balance_); });
}

base::Result<billing::Cdr> BillingRepository::GetCdr(const CallId& call) {
  return RunRead<billing::Cdr>(reads_, "reading the CDR of call " + call.value,
                               [&](SQLite::Database& db) { return GetCdrIn(db, call); });
}

}  // namespace tarifador::store

namespace tarifador::store {
namespace {
// A Writer job whose value reaches `done` (on the writer thread) once its
// batch has committed, or with the failure: the billing thread queues its
// writes this way instead of waiting for each commit.
// With `observer` set, the account the write left is read in the job and
// reported after the commit, before `done` (as RunMoneyJob does).
template <typename T, typename Fn>
void SubmitJob(Writer& writer, Fn fn, std::function<void(base::Result<T>)> done,
               const BillingRepository::MoneyObserver* observer = nullptr) {
  auto out = std::make_shared<std::optional<base::Result<T>>>();
  auto after = std::make_shared<std::optional<billing::Account>>();
  const bool observed = observer != nullptr && *observer;
  writer.SubmitThen(
      [out, after, observed, fn = std::move(fn)](SQLite::Database& db) {
        base::Result<T> r = fn(db);
        base::Status st = r.status();
        after->reset();
        if (r.ok() && observed) {
          if (const std::optional<AccountId> id = AccountOf(*r)) {
            if (auto a = GetAccountIn(db, *id); a.ok()) *after = std::move(*a);
          }
        }
        out->emplace(std::move(r));
        return st;
      },
      [out, after, observer, done = std::move(done)](base::Status s) {
        if (!s.ok() || !out->has_value()) {
          done(s.ok() ? base::Internal("job produced nothing") : s);
          return;
        }
        if (*after && observer != nullptr && *observer) (*observer)(**after);
        done(std::move(**out));
      });
}
}  // namespace

void BillingRepository::BillCallAsync(const billing::Cdr& cdr, base::Instant at,
                                      std::function<void(base::Result<billing::CallBilled>)> done) {
  SubmitJob<billing::CallBilled>(
      writer_, [this, cdr, at](SQLite::Database& db) { return BillCallIn(db, cdr, at, low_balance_); }, std::move(done),
      &money_observer_);
}

void BillingRepository::ReserveAsync(const billing::Reservation& reservation,
                                     std::function<void(base::Result<billing::Reservation>)> done) {
  SubmitJob<billing::Reservation>(
      writer_, [this, reservation](SQLite::Database& db) { return ReserveIn(db, reservation, spend_); },
      std::move(done), &money_observer_);
}

void BillingRepository::ExtendReservationAsync(const CallId& call, base::Money new_amount, int64_t covered_s,
                                               base::Instant at,
                                               std::function<void(base::Result<billing::Reservation>)> done) {
  SubmitJob<billing::Reservation>(
      writer_,
      [this, call, new_amount, covered_s, at](SQLite::Database& db) {
        return ExtendReservationIn(db, call, new_amount, covered_s, at, spend_);
      },
      std::move(done), &money_observer_);
}

void BillingRepository::ReleaseReservationAsync(const CallId& call, std::function<void(base::Status)> done) {
  SubmitJob<std::optional<AccountId>>(
      writer_, [call](SQLite::Database& db) { return ReleaseNamingAccount(db, call); },
      [done = std::move(done)](base::Result<std::optional<AccountId>> r) { done(r.status()); }, &money_observer_);
}

}  // namespace tarifador::store

namespace tarifador::store {

base::Result<std::vector<billing::MovementResult>> BillingRepository::ApplyMovements(
    const std::vector<billing::Movement>& movements, std::string_view audit_summary) {
  std::vector<billing::Account> touched;  // as the transaction left them, for the observer
  base::Result<std::vector<billing::MovementResult>> r = RunJob<std::vector<billing::MovementResult>>(
      writer_, [&](SQLite::Database& db) -> base::Result<std::vector<billing::MovementResult>> {
        std::vector<billing::MovementResult> out;
        out.reserve(movements.size());
        touched.clear();
        base::Money total;
        std::vector<AccountId> accounts;
        for (size_t i = 0; i < movements.size(); ++i) {
          base::Result<billing::MovementResult> moved = ApplyMovementIn(db, movements[i]);
          if (!moved.ok()) return moved.status().WithContext("movement " + std::to_string(i + 1));
          if (!moved->replayed) {
            total += moved->entry.amount;
            if (std::find(accounts.begin(), accounts.end(), moved->entry.account_id) == accounts.end()) {
              accounts.push_back(moved->entry.account_id);
            }
          }
          out.push_back(std::move(*moved));
        }
        if (accounts.empty()) return out;  // nothing moved: a replay writes nothing
        try {
          if (!audit_summary.empty()) {
            const billing::Movement& first = movements.front();
            AppendAuditRow(db, AuditEntry{0, first.at, first.actor, std::string(audit_summary), "ledger",
                                          AuditDetail({{"rows", std::to_string(out.size())},
                                                       {"accounts", std::to_string(accounts.size())},
                                                       {"total", total.ToString()},
                                                       {"idempotency_key", first.idempotency_key.value_or("")}})});
          }
        } catch (const SQLite::Exception& e) {
          return SqlError("writing the audit row of " + std::string(audit_summary), e);
        }
        if (money_observer_) {
          for (const AccountId id : accounts) {
            auto a = GetAccountIn(db, id);
            if (a.ok()) touched.push_back(std::move(*a));
          }
        }
        return out;
      });
  if (r.ok()) {
    for (const billing::Account& a : touched) money_observer_(a);
  }
  return r;
}

}  // namespace tarifador::store
