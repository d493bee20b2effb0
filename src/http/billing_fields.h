#pragma once
// Reading the billing routes' input (bodies, path and query parameters)
// strictly: every problem of a body is collected and reported in one 400
// (STYLE.md habit 12), unknown body fields are refused (a misspelt
// "credit_limt" must not silently create an account without its limit), money
// is a decimal string only (SPEC section 1), and echoed input is cut short.
// http/ internal.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/money.h"
#include "base/status.h"
#include "billing/ids.h"
#include "http/request.h"

namespace tarifador::http {

// The largest amount, credit limit or budget the API takes: a billion units.
// Far above any office's money, and far enough below Money's int64 range that
// balances cannot overflow in practice (the ledger still checks).
inline constexpr int64_t kMaxApiMoneyUnits = 1'000'000'000;

// The answer of every billing route while Services::billing is null (503).
base::Status BillingUnavailable();

// `text` in quotes for an error message, cut to 40 characters ("...").
std::string Shown(std::string_view text);

// Parses an API money string: digits, optionally '.' and 1 to 6 more digits
// ("10", "10.5", "0.000001"); no sign, exponent, spaces or separators; at most
// kMaxApiMoneyUnits. `positive`: zero is refused too. InvalidArgument naming
// `what` (e.g. `field "amount"`) otherwise.
base::Result<base::Money> ParseApiMoney(std::string_view text, std::string_view what, bool positive);

// Collects the fields of one JSON object body. Each getter returns nullopt
// when the field is absent (or null) and records a problem when it is
// required or present with a wrong type or value; Finish() then reports
// every problem at once. Not thread-safe; borrows `object` (a JSON object).
class BodyFields {
 public:
  explicit BodyFields(const nlohmann::json& object) : object_(object) {}

  // A string of at most `max_chars` bytes without control characters;
  // `allow_empty` false also refuses "".
  std::optional<std::string> String(const char* key, bool required, size_t max_chars, bool allow_empty);
  // A money string (ParseApiMoney); a JSON number is refused with a hint.
  std::optional<base::Money> Money(const char* key, bool required, bool positive);
  // A whole JSON number >= 1 (an id).
  std::optional<int64_t> Id(const char* key, bool required);
  std::optional<bool> Bool(const char* key, bool required);
  // A whole JSON number in [min, max].
  std::optional<int64_t> Int(const char* key, bool required, int64_t min, int64_t max);
  // True when the member is present as JSON null (marks `key` as known): a
  // PATCH's way to clear an optional field.
  bool IsNull(const char* key);

  // Records a problem found by the caller (e.g. two fields that disagree).
  void Problem(std::string message) { problems_.push_back(std::move(message)); }
  bool ok() const { return problems_.empty(); }

  // OK, or InvalidArgument "<context>: <problem>; <problem>..." listing every
  // problem, including each member no getter asked for ("unknown field").
  base::Status Finish(std::string_view context);

 private:
  // The member, or null when absent or JSON null; marks `key` as known.
  const nlohmann::json* Find(const char* key, bool required);

  const nlohmann::json& object_;
  std::set<std::string> known_;
  std::vector<std::string> problems_;
};

// Parses a request body that must be a JSON object into `fields`' input.
// InvalidArgument naming `context` otherwise.
base::Result<nlohmann::json> ParseBody(const Request& request, std::string_view context);

// The "{id}" path parameter: a whole number from 1 to 999999999999999999.
// InvalidArgument `account id "abc" is not a positive whole number`.
base::Result<billing::AccountId> AccountIdParam(const Request& request);
// The same for another kind of row, from path parameter `param`:
// InvalidArgument `alert id "x" is not ...`.
base::Result<int64_t> IdParam(const Request& request, std::string_view what, std::string_view param = "id");

// The refusal of a recharge above billing.max_recharge, for people.
std::string RechargeAboveLimit(base::Money amount, base::Money limit);

// nullopt, or a text naming what is wrong with `number` as an extension
// number (billing::ValidateExtension's rule: 1 to 32 of [0-9A-Za-z*#+_.-]).
std::optional<std::string> ExtensionNumberProblem(std::string_view number);

// Query parameter `limit`: 1..max_limit, `fallback` when absent.
base::Result<int64_t> LimitParam(const Request& request, int64_t fallback, int64_t max_limit);

// The list cursor: query parameter `cursor`, or its synonym `after` (both
// given must agree). nullopt when neither is given.
base::Result<std::optional<std::string>> CursorParam(const Request& request);

// A cursor that must be a row id (a previous next_cursor of an id-ordered
// list): a whole number >= 0; 0 when absent.
base::Result<int64_t> IdCursorParam(const Request& request);

}  // namespace tarifador::http
