// Accounts, recharges and the ledger over HTTP (billing_handlers.h).
#include "http/billing_handlers.h"

#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "billing/account.h"
#include "billing/ledger_entry.h"
#include "http/billing_fields.h"
#include "http/billing_json.h"
#include "http/json_body.h"

namespace tarifador::http {
namespace {

constexpr size_t kMaxAccountName = 128;  // billing::ValidateNewAccount's limit
constexpr size_t kMaxNote = 256;
constexpr size_t kMaxIdempotencyKey = 128;  // billing::ValidateMovement's limit
constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;

// The Idempotency-Key header: absent, or 1..128 visible ASCII characters.
base::Result<std::optional<std::string>> IdempotencyKey(const Request& r) {
  std::optional<std::string> key = r.Header("Idempotency-Key");
  if (!key) return key;
  bool visible = !key->empty() && key->size() <= kMaxIdempotencyKey;
  for (const char c : *key) visible = visible && c > 0x20 && c < 0x7f;
  if (!visible) {
    return base::InvalidArgument(
        "header Idempotency-Key must be 1 to 128 visible ASCII characters (no spaces), e.g. a UUID");
  }
  return key;
}

// "budget_mode": "block" or "alert", when present.
std::optional<billing::BudgetMode> BudgetModeField(BodyFields& f) {
  const std::optional<std::string> text = f.String("budget_mode", false, 16, false);
  if (!text) return std::nullopt;
  base::Result<billing::BudgetMode> mode = billing::ParseBudgetMode(*text);
  if (mode.ok()) return *mode;
  f.Problem("field \"budget_mode\" must be \"block\" or \"alert\" (got " + Shown(*text) + ")");
  return std::nullopt;
}

}  // namespace

base::Result<Response> HandleCreateAccount(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  const std::string context = "creating an account";
  base::Result<nlohmann::json> body = ParseBody(r, context);
  if (!body.ok()) return body.status();
  BodyFields f(*body);
  const std::optional<std::string> name = f.String("name", true, kMaxAccountName, false);
  const std::optional<std::string> type_text = f.String("type", true, 64, false);
  const std::optional<base::Money> credit_limit = f.Money("credit_limit", false, false);
  const std::optional<base::Money> monthly_budget = f.Money("monthly_budget", false, false);
  const std::optional<billing::BudgetMode> budget_mode = BudgetModeField(f);
  const std::optional<int64_t> warn_percent = f.Int("budget_warn_percent", false, 1, 100);
  const std::optional<base::Money> low_balance = f.Money("low_balance", false, false);
  const std::optional<base::Money> daily_limit = f.Money("daily_limit", false, false);
  std::optional<billing::AccountType> type;
  if (type_text) {
    base::Result<billing::AccountType> parsed = billing::ParseAccountType(*type_text);
    if (parsed.ok()) {
      type = *parsed;
    } else {
      f.Problem("field \"type\" must be \"prepaid\" or \"postpaid\" (got " + Shown(*type_text) + ")");
    }
  }
  if (type == billing::AccountType::kPrepaid && credit_limit && !credit_limit->is_zero()) {
    f.Problem("field \"credit_limit\" must be absent or \"0\" on a prepaid account (only postpaid accounts use it)");
  }
  if (type == billing::AccountType::kPostpaid && low_balance) {
    f.Problem("field \"low_balance\" is for prepaid accounts (a postpaid balance goes below zero by design)");
  }
  TARIFADOR_RETURN_IF_ERROR(f.Finish(context));

  const billing::NewAccount account{*name,
                                    *type,
                                    credit_limit.value_or(base::Money()),
                                    monthly_budget,
                                    budget_mode.value_or(billing::BudgetMode::kBlock),
                                    static_cast<int>(warn_percent.value_or(80)),
                                    low_balance,
                                    daily_limit};
  base::Result<billing::Account> created =
      s.billing->repository.CreateAccount(account, r.caller().Actor(), s.clock.Now());
  if (!created.ok()) return created.status();
  base::LogInfo("http: " + r.caller().Actor() + " created account " + std::to_string(created->id.value));
  Response out = Response::Json(Dump(AccountJson(*created, s.clock.Now(), s.billing->authorizer.options().spend)), 201);
  out.headers.emplace_back("Location", "/api/v1/accounts/" + std::to_string(created->id.value));
  return out;
}

base::Result<Response> HandleUpdateAccount(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<billing::AccountId> id = AccountIdParam(r);
  if (!id.ok()) return id.status();
  const std::string context = "changing account " + std::to_string(id->value);
  base::Result<nlohmann::json> body = ParseBody(r, context);
  if (!body.ok()) return body.status();
  BodyFields f(*body);
  billing::AccountChanges changes;
  changes.name = f.String("name", false, kMaxAccountName, false);
  changes.credit_limit = f.Money("credit_limit", false, false);
  if (f.IsNull("monthly_budget")) {
    changes.monthly_budget = std::optional<base::Money>();
  } else if (std::optional<base::Money> budget = f.Money("monthly_budget", false, false)) {
    changes.monthly_budget = budget;
  }
  changes.budget_mode = BudgetModeField(f);
  if (const std::optional<int64_t> warn = f.Int("budget_warn_percent", false, 1, 100)) {
    changes.budget_warn_percent = static_cast<int>(*warn);
  }
  if (f.IsNull("low_balance")) {
    changes.low_balance = std::optional<base::Money>();
  } else if (std::optional<base::Money> low = f.Money("low_balance", false, false)) {
    changes.low_balance = low;
  }
  if (f.IsNull("daily_limit")) {
    changes.daily_limit = std::optional<base::Money>();
  } else if (std::optional<base::Money> daily = f.Money("daily_limit", false, false)) {
    changes.daily_limit = daily;
  }
  if (f.ok() && changes.empty()) {
    f.Problem(
        "nothing to change: give name, credit_limit, monthly_budget, budget_mode, budget_warn_percent, low_balance "
        "or daily_limit");
  }
  TARIFADOR_RETURN_IF_ERROR(f.Finish(context));
  base::Result<billing::Account> changed =
      s.billing->repository.UpdateAccount(*id, changes, r.caller().Actor(), s.clock.Now());
  if (!changed.ok()) return changed.status();
  base::LogInfo("http: " + r.caller().Actor() + " changed account " + std::to_string(id->value));
  return Response::Json(Dump(AccountJson(*changed, s.clock.Now(), s.billing->authorizer.options().spend)));
}

base::Result<Response> HandleListAccounts(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<int64_t> limit = LimitParam(r, kDefaultLimit, kMaxLimit);
  if (!limit.ok()) return limit.status();
  base::Result<int64_t> after = IdCursorParam(r);
  if (!after.ok()) return after.status();
  // One more than asked says whether there is a next page.
  base::Result<std::vector<billing::Account>> accounts =
      s.billing->repository.ListAccounts(billing::AccountId{*after}, *limit + 1);
  if (!accounts.ok()) return accounts.status();
  const base::Instant now = s.clock.Now();
  const billing::SpendPolicy& policy = s.billing->authorizer.options().spend;
  const IdPage page =
      PageOfRows(*accounts, *limit, [now, &policy](const billing::Account& a) { return AccountJson(a, now, policy); });
  return Response::Json(Dump({{"items", page.items}, {"next_cursor", page.next_cursor}}));
}

base::Result<Response> HandleGetAccount(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<billing::AccountId> id = AccountIdParam(r);
  if (!id.ok()) return id.status();
  base::Result<billing::Account> account = s.billing->repository.GetAccount(*id);
  if (!account.ok()) return account.status();
  return Response::Json(Dump(AccountJson(*account, s.clock.Now(), s.billing->authorizer.options().spend)));
}

base::Result<Response> HandleRecharge(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<billing::AccountId> id = AccountIdParam(r);
  if (!id.ok()) return id.status();
  const std::string context = "recharging account " + std::to_string(id->value);
  base::Result<std::optional<std::string>> key = IdempotencyKey(r);
  if (!key.ok()) return key.status().WithContext(context);
  base::Result<nlohmann::json> body = ParseBody(r, context);
  if (!body.ok()) return body.status();
  BodyFields f(*body);
  const std::optional<base::Money> amount = f.Money("amount", true, true);
  const std::optional<std::string> note = f.String("note", false, kMaxNote, true);
  if (amount && s.billing->max_recharge && *amount > *s.billing->max_recharge) {
    f.Problem("field \"amount\": " + RechargeAboveLimit(*amount, *s.billing->max_recharge));
  }
  TARIFADOR_RETURN_IF_ERROR(f.Finish(context));

  billing::Movement movement{
      *id, billing::LedgerKind::kRecharge, *amount, r.caller().Actor(), note.value_or(""), s.clock.Now(), std::nullopt,
      *key};
  base::Result<billing::MovementResult> moved = s.billing->repository.ApplyMovement(movement);
  if (!moved.ok()) return moved.status();
  // The account as it is now (other movements may have followed); the
  // entry's balance_after is this recharge's own figure.
  base::Result<billing::Account> account = s.billing->repository.GetAccount(*id);
  if (!account.ok()) return account.status();
  if (!moved->replayed) {
    base::LogInfo("http: " + movement.actor + " recharged account " + std::to_string(id->value) + " with " +
                  amount->ToString());
  }
  return Response::Json(Dump({{"entry", LedgerEntryJson(moved->entry)},
                              {"account", AccountJson(*account, s.clock.Now(), s.billing->authorizer.options().spend)},
                              {"replayed", moved->replayed}}),
                        moved->replayed ? 200 : 201);
}

base::Result<Response> HandleReverseRecharge(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<billing::AccountId> id = AccountIdParam(r);
  if (!id.ok()) return id.status();
  base::Result<int64_t> entry = IdParam(r, "ledger row", "entry");
  if (!entry.ok()) return entry.status();
  const int64_t entry_id = *entry;
  const std::string context =
      "reversing ledger row " + std::to_string(entry_id) + " of account " + std::to_string(id->value);
  base::Result<nlohmann::json> body = ParseBody(r, context);
  if (!body.ok()) return body.status();
  BodyFields f(*body);
  const std::optional<std::string> note = f.String("note", false, kMaxNote, true);
  TARIFADOR_RETURN_IF_ERROR(f.Finish(context));
  // The row itself: the account's first row from entry_id on.
  base::Result<std::vector<billing::LedgerEntry>> rows = s.billing->repository.ListLedger(*id, entry_id - 1, 1);
  if (!rows.ok()) return rows.status();
  if (rows->empty() || rows->front().id != entry_id) {
    return base::NotFound(context + ": account " + std::to_string(id->value) + " has no ledger row " +
                          std::to_string(entry_id));
  }
  const billing::LedgerEntry& recharge = rows->front();
  if (recharge.kind != billing::LedgerKind::kRecharge) {
    return base::InvalidArgument(context + ": only a recharge can be reversed (row " + std::to_string(entry_id) +
                                 " is a " + billing::LedgerKindName(recharge.kind) + ")");
  }
  // One reversal per recharge: the key makes a second one a replay.
  std::string reason = "reversal of recharge #" + std::to_string(entry_id);
  if (note && !note->empty()) reason += ": " + *note;
  billing::Movement movement{*id,
                             billing::LedgerKind::kAdjustment,
                             -recharge.amount,
                             r.caller().Actor(),
                             reason,
                             s.clock.Now(),
                             std::nullopt,
                             "reverse-recharge:" + std::to_string(entry_id)};
  base::Result<billing::MovementResult> moved = s.billing->repository.ApplyMovement(movement);
  if (!moved.ok()) return moved.status().WithContext(context);
  base::Result<billing::Account> account = s.billing->repository.GetAccount(*id);
  if (!account.ok()) return account.status();
  if (!moved->replayed) {
    base::LogInfo("http: " + movement.actor + " reversed recharge " + std::to_string(entry_id) + " of account " +
                  std::to_string(id->value) + " (" + recharge.amount.ToString() + ")");
  }
  return Response::Json(Dump({{"entry", LedgerEntryJson(moved->entry)},
                              {"account", AccountJson(*account, s.clock.Now(), s.billing->authorizer.options().spend)},
                              {"replayed", moved->replayed}}),
                        moved->replayed ? 200 : 201);
}

base::Result<Response> HandleListLedger(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  base::Result<billing::AccountId> id = AccountIdParam(r);
  if (!id.ok()) return id.status();
  base::Result<int64_t> limit = LimitParam(r, kDefaultLimit, kMaxLimit);
  if (!limit.ok()) return limit.status();
  base::Result<int64_t> cursor = IdCursorParam(r);
  if (!cursor.ok()) return cursor.status();
  const std::string order = r.Query("order").value_or("oldest");
  if (order != "oldest" && order != "newest") {
    return base::InvalidArgument("query parameter \"order\" must be \"oldest\" or \"newest\" (got " + Shown(order) +
                                 ")");
  }
  // An unknown account is a 404, not an empty ledger.
  base::Result<billing::Account> account = s.billing->repository.GetAccount(*id);
  if (!account.ok()) return account.status();
  base::Result<std::vector<billing::LedgerEntry>> rows =
      order == "newest" ? s.billing->repository.ListLedgerNewest(*id, *cursor, *limit + 1)
                        : s.billing->repository.ListLedger(*id, *cursor, *limit + 1);
  if (!rows.ok()) return rows.status();
  const IdPage page = PageOfRows(*rows, *limit, LedgerEntryJson);
  return Response::Json(Dump({{"account_id", id->value}, {"items", page.items}, {"next_cursor", page.next_cursor}}));
}

}  // namespace tarifador::http
