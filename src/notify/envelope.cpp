#include "notify/envelope.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "base/hmac.h"
#include "base/json_parse.h"
#include "store/alert_text.h"

namespace tarifador::notify {
namespace {

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80 || c < 0x20) return false;
  }
  return true;
}

// A header value that may hold accents: an RFC 2047 encoded word.
std::string HeaderText(std::string_view text) {
  if (IsAscii(text)) return std::string(text);
  return "=?UTF-8?B?" + Base64(text) + "?=";
}

// "Mon, 07 Dec 2026 21:04:05 +0000" (RFC 5322 date, in UTC).
std::string MailDate(base::Instant t) {
  const time_t secs = static_cast<time_t>(t.micros() / 1'000'000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string MailBody(const store::DueDelivery& d, const store::AlertText& text, std::string_view site) {
  const bool es = d.recipient.language == "es";
  std::string body = text.sentence + "\r\n\r\n";
  body += (es ? "Alerta " : "Alert ") + std::to_string(d.alert.id) + " (" + d.alert.kind + ", " + d.alert.severity +
          "), " + (es ? "emitida el " : "raised at ") + base::FormatIso8601(d.alert.created_at) +
          (es ? " en " : " on ") + std::string(site) + ".\r\n";
  body += es ? "Véala y confírmela en la página Alertas de tarifador.\r\n"
             : "See and acknowledge it on tarifador's Alerts page.\r\n";
  return body;
}

}  // namespace

Mail BuildMail(const store::DueDelivery& d, std::string_view from, std::string_view site, base::Instant now) {
  const store::AlertText text = store::DescribeAlert(d.alert, d.recipient.language);
  std::string m;
  m += "From: tarifador <" + std::string(from) + ">\r\n";
  m += "To: " + d.recipient.address + "\r\n";
  m += "Subject: " + HeaderText(text.subject) + "\r\n";
  m += "Date: " + MailDate(now) + "\r\n";
  m += "Message-ID: <tarifador-alert-" + std::to_string(d.id) + "@" + std::string(site) + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n";
  m += "\r\n";
  const std::string encoded = Base64(MailBody(d, text, site));
  for (size_t i = 0; i < encoded.size(); i += 76) m += encoded.substr(i, 76) + "\r\n";
  return Mail{d.recipient.address, std::move(m)};
}

std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  std::string signed_text = std::to_string(unix_seconds);
  signed_text += '.';
  signed_text += body;
  return "v1=" + base::HmacSha256Hex(secret, signed_text);
}

WebhookPost BuildWebhook(const store::DueDelivery& d, std::string_view site, base::Instant now) {
  const store::AlertText text = store::DescribeAlert(d.alert, d.recipient.language);
  base::Result<nlohmann::json> detail = base::ParseJson(d.alert.detail);
  const nlohmann::json body = {
      {"event_id", d.id},
      {"alert_id", d.alert.id},
      {"kind", d.alert.kind},
      {"severity", d.alert.severity},
      {"account_id", d.alert.account_id ? nlohmann::json(*d.alert.account_id) : nlohmann::json()},
      {"created_at", base::FormatIso8601(d.alert.created_at)},
      {"detail", detail.ok() && detail->is_object() ? *detail : nlohmann::json::object()},
      {"language", d.recipient.language},
      {"subject", text.subject},
      {"text", text.sentence},
      {"site", site}};
  WebhookPost post;
  post.url = d.recipient.address;
  post.body = base::DumpJson(body);
  const int64_t unix_seconds = now.micros() / 1'000'000;
  post.headers = {{"Content-Type", "application/json"},
                  {"User-Agent", "tarifador"},
                  {"X-Tarifador-Event", std::to_string(d.id)},
                  {"X-Tarifador-Timestamp", std::to_string(unix_seconds)},
                  {"X-Tarifador-Signature", WebhookSignature(d.recipient.secret, unix_seconds, post.body)}};
  return post;
}

}  // namespace tarifador::notify
