// The e-mail and the signed webhook of an alert delivery (docs/ALERTS.md).
#include "notify/envelope.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/hmac.h"
#include "store/alert_text.h"

using namespace tarifador;

namespace {

store::DueDelivery Delivery(const std::string& language, const std::string& channel) {
  store::DueDelivery d;
  d.id = 42;
  d.alert.id = 7;
  d.alert.kind = "budget_reached";
  d.alert.severity = "critical";
  d.alert.account_id = 3;
  d.alert.detail = R"({"account":"Ventas","month":"2026-12","budget":"50.0000","spent":"50.1250","mode":"block"})";
  d.alert.created_at = *base::ParseIso8601("2026-12-07T10:00:00Z");
  d.recipient.channel = channel;
  d.recipient.address = channel == "email" ? "ana@example.com" : "https://hooks.example.com/t";
  d.recipient.secret = "k3y";
  d.recipient.language = language;
  return d;
}

// The base64 body of a message built by BuildMail, decoded.
std::string MailText(const std::string& message) {
  const size_t start = message.find("\r\n\r\n") + 4;
  std::string b64;
  for (size_t i = start; i < message.size(); ++i) {
    if (message[i] != '\r' && message[i] != '\n') b64 += message[i];
  }
  auto text = base::DecodeBase64(b64);
  REQUIRE(text.ok());
  return *text;
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches RFC 4231's test vectors", "[notify][signature]") {
  CHECK(base::HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(base::HmacSha256Hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // A key longer than the block is hashed first (RFC 4231 case 6).
  CHECK(base::HmacSha256Hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("A webhook carries the event id, a time stamp and the signature of both with the body", "[notify][webhook]") {
  const store::DueDelivery d = Delivery("en", "webhook");
  const base::Instant now = *base::ParseIso8601("2026-12-07T10:00:05Z");
  const notify::WebhookPost p = notify::BuildWebhook(d, "office-1", now);
  CHECK(p.url == "https://hooks.example.com/t");
  CHECK(p.header("X-Tarifador-Event") == "42");
  CHECK(p.header("X-Tarifador-Timestamp") == "1796637605");
  CHECK(p.header("X-Tarifador-Signature") == "v1=" + base::HmacSha256Hex("k3y", "1796637605." + p.body));
  const auto body = nlohmann::json::parse(p.body);
  CHECK(body["event_id"] == 42);
  CHECK(body["kind"] == "budget_reached");
  CHECK(body["account_id"] == 3);
  CHECK(body["detail"]["spent"] == "50.1250");
  CHECK(body["text"] ==
        "Ventas: monthly budget of 50.00 reached in 2026-12; outbound calls are refused until next month or a "
        "higher budget.");
  CHECK(body["site"] == "office-1");
  // A retry: the same body and event id, a new time stamp and signature.
  const notify::WebhookPost retry = notify::BuildWebhook(d, "office-1", base::Instant::FromSeconds(1796637700));
  CHECK(retry.body == p.body);
  CHECK(retry.header("X-Tarifador-Event") == "42");
  CHECK(retry.header("X-Tarifador-Signature") != p.header("X-Tarifador-Signature"));
  // Another secret signs differently.
  CHECK(notify::WebhookSignature("other", 1796637605, p.body) != p.header("X-Tarifador-Signature"));
}

TEST_CASE("An e-mail in Spanish: encoded subject, decimal comma, a stable Message-ID", "[notify][mail]") {
  const store::DueDelivery d = Delivery("es", "email");
  const notify::Mail m =
      notify::BuildMail(d, "tarifador@example.com", "oficina", base::Instant::FromSeconds(1796637605));
  CHECK(m.to == "ana@example.com");
  CHECK(m.message.find("From: tarifador <tarifador@example.com>\r\n") != std::string::npos);
  CHECK(m.message.find("To: ana@example.com\r\n") != std::string::npos);
  CHECK(m.message.find("Date: Mon, 07 Dec 2026 10:00:05 +0000\r\n") != std::string::npos);
  CHECK(m.message.find("Message-ID: <tarifador-alert-42@oficina>\r\n") != std::string::npos);
  CHECK(m.message.find("Content-Type: text/plain; charset=UTF-8\r\n") != std::string::npos);
  // "[tarifador] Presupuesto agotado: Ventas" is ASCII: sent as is.
  CHECK(m.message.find("Subject: [tarifador] Presupuesto agotado: Ventas\r\n") != std::string::npos);
  const std::string text = MailText(m.message);
  CHECK(text.find("Ventas: presupuesto mensual de 50,00 agotado en 2026-12; las llamadas salientes se rechazan") == 0);
  CHECK(text.find("Véala y confírmela") != std::string::npos);
  // No line of the message is longer than SMTP allows.
  size_t line_start = 0;
  while (line_start < m.message.size()) {
    const size_t end = m.message.find("\r\n", line_start);
    REQUIRE(end != std::string::npos);
    CHECK(end - line_start <= 998);
    line_start = end + 2;
  }
}

TEST_CASE("A subject with accents is an RFC 2047 encoded word", "[notify][mail]") {
  store::DueDelivery d = Delivery("es", "email");
  d.alert.kind = "guard_tripped";
  d.alert.detail = R"({"rule":"guard_blocked_prefix","caller":"1003","destination":"447000123","day":"2026-12-07"})";
  const notify::Mail m = notify::BuildMail(d, "t@example.com", "o", base::Instant::FromSeconds(1796637605));
  const size_t at = m.message.find("Subject: =?UTF-8?B?");
  REQUIRE(at != std::string::npos);
  const size_t end = m.message.find("?=\r\n", at);
  auto subject = base::DecodeBase64(m.message.substr(at + 19, end - at - 19));
  REQUIRE(subject.ok());
  CHECK(*subject == "[tarifador] Protección antifraude: extensión 1003");
  CHECK(MailText(m.message).find("La extensión 1003 llamó al 447000123: rechazada, número de un rango bloqueado") == 0);
}

TEST_CASE("A low balance is written in both languages with the figures", "[notify][mail]") {
  store::Alert a;
  a.kind = "low_balance";
  a.detail = R"({"account":"Invitados","balance":"4.9900","threshold":"5.0000"})";
  CHECK(store::DescribeAlert(a, "es").subject == "[tarifador] Saldo bajo: Invitados");
  CHECK(store::DescribeAlert(a, "es").sentence ==
        "Invitados: el saldo ha bajado a 4,99, por debajo de 5,00; las llamadas se cortan al llegar a cero. "
        "Recargue la cuenta.");
  CHECK(store::DescribeAlert(a, "en").sentence ==
        "Invitados: the balance is down to 4.99, below 5.00; calls are cut when it reaches zero. Recharge the "
        "account.");
}

TEST_CASE("A failed export is written in both languages", "[notify][mail]") {
  store::Alert a;
  a.kind = "export_failed";
  a.detail = R"({"kind":"daily","period":"2026-12-06","file":"cdrs-2026-12-06.csv","error":"No space left on device"})";
  CHECK(store::DescribeAlert(a, "es").subject == "[tarifador] Exportación fallida: daily 2026-12-06");
  CHECK(store::DescribeAlert(a, "es").sentence.rfind("La exportación diaria de CDR 2026-12-06 (cdrs-2026-12-06.csv) "
                                                     "ha fallado: No space left on device.",
                                                     0) == 0);
  CHECK(store::DescribeAlert(a, "en").sentence.rfind(
            "The daily CDR export 2026-12-06 (cdrs-2026-12-06.csv) failed: No space left on device.", 0) == 0);
}

TEST_CASE("A mirror backlog is written in both languages", "[notify][mail]") {
  store::Alert a;
  a.kind = "mirror_backlog";
  a.detail = R"({"rows":500,"oldest":"2026-12-07T08:00:00Z","last_error":"timeout"})";
  CHECK(store::DescribeAlert(a, "es").subject == "[tarifador] Réplica a la central retrasada");
  CHECK(store::DescribeAlert(a, "en").sentence ==
        "The PostgreSQL mirror has 500 rows waiting, the oldest from 2026-12-07T08:00:00Z: timeout. Nothing is "
        "lost: they are sent when head office answers.");
}
