// POST /api/v1/recharges/bulk (live_handlers.h): check every row, then one
// all-or-nothing store transaction through Repository::ApplyMovements.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/csv_reader.h"
#include "base/log.h"
#include "base/strings.h"
#include "billing/account.h"
#include "billing/ledger_entry.h"
#include "http/billing_fields.h"
#include "http/json_body.h"
#include "http/live_handlers.h"

namespace tarifador::http {
namespace {

constexpr size_t kMaxRows = 10'000;
// Bad rows listed in a refusal; the rest are only counted, so a body of
// bad lines cannot make a response (and its memory) grow with it.
constexpr size_t kMaxListedErrors = 100;
constexpr size_t kMaxNote = 256;
constexpr size_t kMaxTarget = 128;
// Row keys are "<key>/<line>" and must stay within the ledger's 128.
constexpr size_t kMaxBulkKey = 100;

struct Row {
  int64_t line = 0;
  std::string target;
  billing::AccountId account;
  base::Money amount;
  std::string note;
};

std::string Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return std::string(v);
}

std::string Lower(std::string v) {
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v;
}

bool HasControl(std::string_view v) {
  return std::any_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool AllDigits(std::string_view v) {
  return !v.empty() && v.size() <= 18 && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string MediaType(const std::optional<std::string>& content_type) {
  std::string out;
  if (!content_type) return out;
  for (char c : *content_type) {
    if (c == ';') break;
    if (c == ' ' || c == '\t') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Resolves targets: an extension's number, else an account id, else an
// account name (all accounts are read once, on the first name met).
class Resolver {
 public:
  explicit Resolver(billing::Repository& repo) : repo_(repo) {}

  // The account, NotFound naming the target, or the store's failure.
  base::Result<billing::AccountId> Resolve(const std::string& target) {
    if (!ExtensionNumberProblem(target)) {
      base::Result<billing::Extension> ext = repo_.GetExtension(target);
      if (ext.ok()) return ext->account_id;
      if (ext.status().code() != base::StatusCode::kNotFound) return ext.status();
    }
    if (AllDigits(target)) {
      const billing::AccountId id{std::stoll(target)};
      base::Result<billing::Account> account = repo_.GetAccount(id);
      if (account.ok()) return id;
      if (account.status().code() != base::StatusCode::kNotFound) return account.status();
    }
    if (!names_loaded_) TARIFADOR_RETURN_IF_ERROR(LoadNames());
    if (const auto it = names_.find(target); it != names_.end()) return it->second;
    return base::NotFound("no extension, account id or account name " + Shown(target));
  }

 private:
  base::Status LoadNames() {
    names_loaded_ = true;
    billing::AccountId after{0};
    while (true) {
      base::Result<std::vector<billing::Account>> page = repo_.ListAccounts(after, 1000);
      if (!page.ok()) return page.status();
      for (const billing::Account& a : *page) names_.emplace(a.name, a.id);
      if (page->size() < 1000) return base::Status::Ok();
      after = page->back().id;
    }
  }

  billing::Repository& repo_;
  bool names_loaded_ = false;
  std::map<std::string, billing::AccountId> names_;
};

}  // namespace

base::Result<Response> HandleBulkRecharge(Services& s, const Request& r) {
  if (!s.billing) return BillingUnavailable();
  const std::string context = "bulk recharge";
  const std::string media = MediaType(r.Header("Content-Type"));
  if (media != "text/csv" && media != "text/plain") {
    return base::InvalidArgument(context + ": send the CSV as the body with Content-Type text/csv (got " +
                                 (media.empty() ? std::string("none") : base::Quoted(media)) + ")");
  }
  std::optional<std::string> key = r.Header("Idempotency-Key");
  if (key) {
    bool visible = !key->empty() && key->size() <= kMaxBulkKey;
    for (const char c : *key) visible = visible && c > 0x20 && c < 0x7f;
    if (!visible) {
      return base::InvalidArgument(context +
                                   ": header Idempotency-Key must be 1 to 100 visible ASCII characters (no spaces)");
    }
  }

  std::vector<Row> rows;
  nlohmann::json bad = nlohmann::json::array();
  size_t bad_count = 0;
  const auto problem = [&bad, &bad_count](int64_t line, std::string message) {
    ++bad_count;
    if (bad.size() < kMaxListedErrors) bad.push_back({{"line", line}, {"error", std::move(message)}});
  };
  Resolver resolver(s.billing->repository);
  base::CsvReader reader(r.body());
  std::vector<std::string> fields;
  bool first = true;
  while (true) {
    base::Result<bool> more = reader.Next(fields);
    if (more.ok() && !*more) break;
    const int64_t line = reader.record_line();
    if (rows.size() + bad_count >= kMaxRows) {
      problem(line, "more than " + std::to_string(kMaxRows) + " rows; split the file");
      break;
    }
    if (!more.ok()) {
      problem(line, more.status().message());
      continue;
    }
    const bool was_first = first;
    first = false;
    if (std::all_of(fields.begin(), fields.end(), [](const std::string& f) { return Trim(f).empty(); })) continue;
    if (was_first && Lower(Trim(fields[0])) == "extension_or_account") continue;  // the header row
    if (fields.size() < 2 || fields.size() > 3) {
      problem(line, "expected extension_or_account,amount[,note] but found " + std::to_string(fields.size()) +
                        (fields.size() == 1 ? " field" : " fields"));
      continue;
    }
    Row row;
    row.line = line;
    row.target = Trim(fields[0]);
    std::vector<std::string> errors;
    if (row.target.empty()) {
      errors.push_back("extension_or_account is empty");
    } else if (row.target.size() > kMaxTarget || HasControl(row.target)) {
      errors.push_back("extension_or_account " + Shown(row.target) + " is too long or has control characters");
    }
    base::Result<base::Money> amount = ParseApiMoney(Trim(fields[1]), "amount", /*positive=*/true);
    if (amount.ok()) {
      row.amount = *amount;
      if (s.billing->max_recharge && row.amount > *s.billing->max_recharge) {
        errors.push_back(RechargeAboveLimit(row.amount, *s.billing->max_recharge));
      }
    } else {
      errors.push_back(amount.status().message());
    }
    if (fields.size() == 3) {
      row.note = Trim(fields[2]);
      if (row.note.size() > kMaxNote || HasControl(row.note)) {
        errors.push_back("note must be at most 256 characters without control characters");
      }
    }
    if (errors.empty()) {
      base::Result<billing::AccountId> account = resolver.Resolve(row.target);
      if (account.ok()) {
        row.account = *account;
      } else if (account.status().code() == base::StatusCode::kNotFound) {
        errors.push_back(account.status().message());
      } else {
        return account.status().WithContext(context);  // the store failed: 503, nothing changed
      }
    }
    if (!errors.empty()) {
      std::string joined;
      for (const std::string& e : errors) joined.append(joined.empty() ? "" : "; ").append(e);
      problem(line, std::move(joined));
      continue;
    }
    rows.push_back(std::move(row));
  }
  if (bad_count > 0) {
    const size_t n = bad_count;
    std::string error = context + ": " + std::to_string(n) + (n == 1 ? " bad row" : " bad rows") + ", nothing changed";
    if (n > bad.size()) error += " (the first " + std::to_string(bad.size()) + " listed)";
    return Response::Json(Dump({{"error", error}, {"bad_rows", n}, {"rows", bad}}), 422);
  }
  if (rows.empty())
    return base::InvalidArgument(context + ": the CSV has no rows (extension_or_account,amount[,note])");

  const std::string actor = r.caller().Actor();
  const base::Instant now = s.clock.Now();
  std::vector<billing::Movement> movements;
  movements.reserve(rows.size());
  for (const Row& row : rows) {
    std::optional<std::string> row_key;
    if (key) row_key = *key + "/" + std::to_string(row.line);
    movements.push_back(billing::Movement{row.account, billing::LedgerKind::kRecharge, row.amount, actor,
                                          row.note.empty() ? std::string("bulk recharge") : row.note, now, std::nullopt,
                                          std::move(row_key)});
  }
  base::Result<std::vector<billing::MovementResult>> moved =
      s.billing->repository.ApplyMovements(movements, "ledger.bulk_recharge");
  if (!moved.ok()) {
    // "movement N: ..." names the row by position; say its line instead.
    std::string message = moved.status().message();
    const std::string head = "movement ";
    if (message.rfind(head, 0) == 0) {
      const size_t colon = message.find(':');
      const size_t n = colon == std::string::npos ? 0 : std::strtoull(message.c_str() + head.size(), nullptr, 10);
      if (n >= 1 && n <= rows.size()) message = "line " + std::to_string(rows[n - 1].line) + message.substr(colon);
    }
    return base::Status(moved.status().code(), context + ": " + message + " (nothing changed)");
  }
  nlohmann::json out_rows = nlohmann::json::array();
  base::Money total;
  bool replayed = true;
  for (size_t i = 0; i < rows.size(); ++i) {
    const billing::MovementResult& m = (*moved)[i];
    replayed = replayed && m.replayed;
    total += m.entry.amount;
    out_rows.push_back({{"line", rows[i].line},
                        {"target", rows[i].target},
                        {"account_id", m.entry.account_id.value},
                        {"amount", m.entry.amount.ToString()},
                        {"balance_after", m.entry.balance_after.ToString()}});
  }
  if (!replayed) {
    base::LogInfo("http: " + actor + " bulk-recharged " + std::to_string(rows.size()) + " rows, total " +
                  total.ToString());
  }
  return Response::Json(
      Dump({{"applied", rows.size()}, {"total", total.ToString()}, {"replayed", replayed}, {"rows", out_rows}}));
}

}  // namespace tarifador::http
