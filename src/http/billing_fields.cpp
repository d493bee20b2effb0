#include "http/billing_fields.h"

#include <charconv>

#include "base/strings.h"
#include "http/json_body.h"

namespace tarifador::http {
namespace {

constexpr size_t kMaxShown = 40;
constexpr size_t kMaxIdDigits = 18;  // below int64's 19, so no overflow
constexpr int kMaxMoneyDecimals = base::Money::kDecimals;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool HasControlCharacter(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsExtensionCharacter(char c) {
  return IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*' || c == '#' || c == '+' ||
         c == '_' || c == '.' || c == '-';
}

std::string FieldName(const char* key) { return std::string("field ").append(base::Quoted(key)); }

// A whole number of at most kMaxIdDigits digits, or nullopt.
std::optional<int64_t> ParseWhole(std::string_view text) {
  if (text.empty() || text.size() > kMaxIdDigits) return std::nullopt;
  int64_t v = 0;
  for (const char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

base::Status BillingUnavailable() { return base::Unavailable("billing is not available in this server"); }

std::string Shown(std::string_view text) {
  if (text.size() <= kMaxShown) return base::Quoted(text);
  return base::Quoted(std::string(text.substr(0, kMaxShown)).append("..."));
}

base::Result<base::Money> ParseApiMoney(std::string_view text, std::string_view what, bool positive) {
  const std::string want = std::string(what).append(" must be a ").append(positive ? "positive" : "non-negative");
  const std::string example = " decimal string such as \"10.50\"";
  if (!text.empty() && text.front() == '-') {
    return base::InvalidArgument(std::string(what).append(" ").append(Shown(text)).append(" is negative"));
  }
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  bool well_formed = !whole.empty() && (dot == std::string_view::npos || !fraction.empty());
  for (const char c : whole) well_formed = well_formed && IsDigit(c);
  for (const char c : fraction) well_formed = well_formed && IsDigit(c);
  if (!well_formed) return base::InvalidArgument(want + example + " (got " + Shown(text) + ")");
  if (fraction.size() > kMaxMoneyDecimals) {
    return base::InvalidArgument(
        std::string(what).append(" ").append(Shown(text)).append(" has more than 6 decimal places"));
  }
  // Leading zeros aside, more whole digits than kMaxApiMoneyUnits has is too
  // much; what is left fits Money with room to spare.
  const size_t first = whole.find_first_not_of('0');
  const size_t whole_digits = first == std::string_view::npos ? 0 : whole.size() - first;
  const std::string too_large = std::string(what)
                                    .append(" ")
                                    .append(Shown(text))
                                    .append(" is more than ")
                                    .append(std::to_string(kMaxApiMoneyUnits));
  if (whole_digits > 10) return base::InvalidArgument(too_large);
  const base::Result<base::Money> money = base::Money::Parse(text);
  if (!money.ok()) return base::InvalidArgument(want + example + " (got " + Shown(text) + ")");
  if (*money > base::Money::FromUnits(kMaxApiMoneyUnits)) return base::InvalidArgument(too_large);
  if (positive && money->is_zero()) return base::InvalidArgument(want + example + " (got " + Shown(text) + ")");
  return *money;
}

const nlohmann::json* BodyFields::Find(const char* key, bool required) {
  known_.insert(key);
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required) Problem("missing " + FieldName(key));
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> BodyFields::String(const char* key, bool required, size_t max_chars, bool allow_empty) {
  const nlohmann::json* v = Find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Problem(FieldName(key) + " must be a string");
    return std::nullopt;
  }
  const std::string& text = v->get_ref<const std::string&>();
  if ((!allow_empty && text.empty()) || text.size() > max_chars) {
    Problem(FieldName(key) + " must be " + (allow_empty ? "at most " : "1 to ") + std::to_string(max_chars) +
            " characters");
    return std::nullopt;
  }
  if (HasControlCharacter(text)) {
    Problem(FieldName(key) + " must not contain control characters");
    return std::nullopt;
  }
  return text;
}

std::optional<base::Money> BodyFields::Money(const char* key, bool required, bool positive) {
  const nlohmann::json* v = Find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Problem(FieldName(key) + " must be a decimal string such as \"10.50\"" +
            (v->is_number() ? " (money is never a JSON number: write it in quotes)" : ""));
    return std::nullopt;
  }
  base::Result<base::Money> m = ParseApiMoney(v->get_ref<const std::string&>(), FieldName(key), positive);
  if (!m.ok()) {
    Problem(m.status().message());
    return std::nullopt;
  }
  return *m;
}

std::optional<int64_t> BodyFields::Id(const char* key, bool required) {
  const nlohmann::json* v = Find(key, required);
  if (!v) return std::nullopt;
  if (v->is_number_unsigned() && v->get<uint64_t>() >= 1 && v->get<uint64_t>() <= 999'999'999'999'999'999ULL) {
    return static_cast<int64_t>(v->get<uint64_t>());
  }
  if (v->is_number_integer() && !v->is_number_unsigned() && v->get<int64_t>() >= 1) return v->get<int64_t>();
  Problem(FieldName(key) + " must be a whole number from 1 (an id)");
  return std::nullopt;
}

std::optional<int64_t> BodyFields::Int(const char* key, bool required, int64_t min, int64_t max) {
  const nlohmann::json* v = Find(key, required);
  if (!v) return std::nullopt;
  if (v->is_number_integer() && !v->is_number_unsigned() && v->get<int64_t>() >= min && v->get<int64_t>() <= max) {
    return v->get<int64_t>();
  }
  if (v->is_number_unsigned() && v->get<uint64_t>() <= static_cast<uint64_t>(max) &&
      static_cast<int64_t>(v->get<uint64_t>()) >= min) {
    return static_cast<int64_t>(v->get<uint64_t>());
  }
  Problem(FieldName(key) + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  return std::nullopt;
}

bool BodyFields::IsNull(const char* key) {
  known_.insert(key);
  return object_.contains(key) && object_.at(key).is_null();
}

std::optional<bool> BodyFields::Bool(const char* key, bool required) {
  const nlohmann::json* v = Find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    Problem(FieldName(key) + " must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

base::Status BodyFields::Finish(std::string_view context) {
  for (const auto& [key, value] : object_.items()) {
    if (!known_.count(key)) Problem("unknown field " + Shown(key));
  }
  if (problems_.empty()) return base::Status::Ok();
  std::string message(context);
  message += ": ";
  for (size_t i = 0; i < problems_.size(); ++i) {
    if (i > 0) message += "; ";
    message += problems_[i];
  }
  return base::InvalidArgument(message);
}

base::Result<nlohmann::json> ParseBody(const Request& request, std::string_view context) {
  base::Result<nlohmann::json> body = ParseJsonObject(request.body());
  if (!body.ok()) return body.status().WithContext(std::string(context));
  return body;
}

base::Result<int64_t> IdParam(const Request& request, std::string_view what, std::string_view param) {
  const std::string_view text = request.Param(param).value_or("");
  const std::optional<int64_t> id = ParseWhole(text);
  if (!id || *id < 1) {
    return base::InvalidArgument(std::string(what) + " id " + Shown(text) + " is not a positive whole number");
  }
  return *id;
}

std::string RechargeAboveLimit(base::Money amount, base::Money limit) {
  return "amount " + amount.ToString() + " is above billing.max_recharge (" + limit.ToString() +
         "): check the amount, recharge in steps, or raise the setting";
}

base::Result<billing::AccountId> AccountIdParam(const Request& request) {
  base::Result<int64_t> id = IdParam(request, "account");
  if (!id.ok()) return id.status();
  return billing::AccountId{*id};
}

std::optional<std::string> ExtensionNumberProblem(std::string_view number) {
  if (number.empty() || number.size() > 32) return "extension number " + Shown(number) + " must be 1 to 32 characters";
  for (const char c : number) {
    if (!IsExtensionCharacter(c)) {
      return "extension number " + Shown(number) + " may hold only letters, digits and * # + _ . -";
    }
  }
  return std::nullopt;
}

base::Result<int64_t> LimitParam(const Request& request, int64_t fallback, int64_t max_limit) {
  const std::optional<std::string> text = request.Query("limit");
  if (!text) return fallback;
  const std::optional<int64_t> v = ParseWhole(*text);
  if (!v || *v < 1 || *v > max_limit) {
    return base::InvalidArgument("query parameter \"limit\" must be a whole number from 1 to " +
                                 std::to_string(max_limit));
  }
  return *v;
}

base::Result<std::optional<std::string>> CursorParam(const Request& request) {
  std::optional<std::string> cursor = request.Query("cursor");
  const std::optional<std::string> after = request.Query("after");
  if (cursor && after && *cursor != *after) {
    return base::InvalidArgument("query parameters \"cursor\" and \"after\" mean the same; give one");
  }
  return cursor ? cursor : after;
}

base::Result<int64_t> IdCursorParam(const Request& request) {
  base::Result<std::optional<std::string>> cursor = CursorParam(request);
  if (!cursor.ok()) return cursor.status();
  if (!*cursor) return int64_t{0};
  const std::optional<int64_t> v = ParseWhole(**cursor);
  if (!v) {
    return base::InvalidArgument("query parameter \"cursor\" must be a next_cursor this server gave out (got " +
                                 Shown(**cursor) + ")");
  }
  return *v;
}

}  // namespace tarifador::http
