// The alert outbox and its delivery worker on a real SQLite store, with a
// scripted transport and a hand-moved clock (docs/ALERTS.md "Delivery").
#include "notify/deliverer.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <deque>
#include <stdexcept>

#include "base/local_time.h"
#include "notify/envelope.h"
#include "store/alert_outbox.h"
#include "store/alert_store.h"
#include "store/read_pool.h"
#include "store/writer.h"
#include "test_support/office_zone.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

// Records what would have left the box; fails while `failures` is positive.
class ScriptedTransport final : public notify::Transport {
 public:
  base::Status Send(const notify::Mail& mail) override {
    mails.push_back(mail);
    return Outcome();
  }
  base::Status Post(const notify::WebhookPost& post) override {
    posts.push_back(post);
    return Outcome();
  }
  int failures = 0;
  int throws = 0;  // attempts that throw, before `failures` count
  std::vector<notify::Mail> mails;
  std::vector<notify::WebhookPost> posts;

 private:
  base::Status Outcome() {
    if (throws > 0) {
      --throws;
      throw std::runtime_error("receiver library exploded");
    }
    if (failures > 0) {
      --failures;
      return base::Unavailable("HTTP 500");
    }
    return base::Status::Ok();
  }
};

struct Outbox {
  test_support::TempDir dir;
  std::unique_ptr<store::Writer> writer;
  std::unique_ptr<store::ReadPool> reads;
  std::unique_ptr<store::AlertOutbox> outbox;
  base::FakeClock clock{base::Instant::FromSeconds(1'796'680'000)};  // 2026-12-07
  base::FakeSteadyClock steady;

  Outbox() {
    auto w = store::Writer::Start(dir.path() + "/t.db");
    REQUIRE(w.ok());
    writer = std::move(*w);
    reads = std::make_unique<store::ReadPool>(dir.path() + "/t.db");
    outbox = std::make_unique<store::AlertOutbox>(*writer, *reads);
  }

  int64_t AddRecipient(const std::string& channel, const std::string& address, const std::string& kinds = "*",
                       const std::string& language = "en") {
    store::AlertRecipient r;
    r.name = "r";
    r.channel = channel;
    r.address = address;
    r.kinds = kinds;
    r.language = language;
    if (channel == "webhook") r.secret = "s3cret";
    auto added = outbox->AddRecipient(r, "user:boss", clock.Now());
    REQUIRE(added.ok());
    return added->id;
  }

  void Raise(const std::string& kind, const std::string& key, const std::string& detail = "{}") {
    REQUIRE(writer
                ->Run([&](SQLite::Database& db) {
                  store::RaiseAlertIn(db, store::NewAlert{kind, "critical", key, std::nullopt, detail}, clock.Now());
                  return base::Status::Ok();
                })
                .ok());
  }

  int64_t Count(const std::string& sql) {
    auto lease = reads->Acquire();
    REQUIRE(lease.ok());
    return lease->sql().execAndGet(sql).getInt64();
  }

  notify::Deliverer::Options Options() {
    notify::Deliverer::Options o;
    o.mail_from = "tarifador@example.com";
    o.mail_configured = true;
    o.site = "office";
    return o;
  }
};

}  // namespace

TEST_CASE("An alert is queued for each recipient that asked for its kind, in the alert's transaction",
          "[notify][outbox]") {
  Outbox o;
  o.AddRecipient("email", "ana@example.com");
  o.AddRecipient("webhook", "http://127.0.0.1:9/hook", "link_down,guard_tripped");
  o.Raise("budget_reached", "k1");
  o.Raise("link_down", "k2");
  o.Raise("link_down", "k2");  // the same alert again: no second alert, no second delivery
  CHECK(o.Count("SELECT count(*) FROM alerts") == 2);
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries") == 3);
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id "
                "WHERE a.kind = 'budget_reached'") == 1);
  // A recipient added later hears of what is raised from then on.
  o.AddRecipient("email", "luis@example.com");
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries") == 3);
  // The audit names the recipient, never the webhook's secret.
  CHECK(o.Count("SELECT count(*) FROM audit_log WHERE action = 'alert_recipient.add'") == 3);
  CHECK(o.Count("SELECT count(*) FROM audit_log WHERE detail LIKE '%s3cret%'") == 0);
  store::AlertRecipient dup;
  dup.name = "again";
  dup.channel = "email";
  dup.address = "ana@example.com";
  dup.kinds = "*";
  dup.language = "es";
  CHECK(o.outbox->AddRecipient(dup, "user:boss", o.clock.Now()).status().code() == base::StatusCode::kAlreadyExists);
}

TEST_CASE("Each delivery is sent once; a sent one is never sent again", "[notify][deliverer]") {
  Outbox o;
  o.AddRecipient("email", "ana@example.com", "*", "es");
  o.AddRecipient("webhook", "http://127.0.0.1:9/hook");
  o.Raise("budget_reached", "k1",
          R"({"account":"Ventas","month":"2026-12","budget":"50.0000","spent":"50.1200","mode":"block"})");
  ScriptedTransport t;
  notify::Deliverer d(*o.outbox, t, o.clock, o.steady, o.Options());
  auto pass = d.DeliverDue();
  REQUIRE(pass.ok());
  CHECK(pass->sent == 2);
  REQUIRE(t.mails.size() == 1);
  REQUIRE(t.posts.size() == 1);
  CHECK(t.mails[0].to == "ana@example.com");
  CHECK(t.posts[0].header("X-Tarifador-Event") == std::to_string(2));
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries WHERE state = 'sent' AND attempts = 1") == 2);
  // Another pass, and another worker on the same store (a restart): nothing.
  CHECK(d.DeliverDue()->sent == 0);
  notify::Deliverer after_restart(*o.outbox, t, o.clock, o.steady, o.Options());
  CHECK(after_restart.DeliverDue()->sent == 0);
  CHECK(t.mails.size() == 1);
  CHECK(t.posts.size() == 1);
}

TEST_CASE("A failed delivery is retried after 10 s, 30 s, 90 s, with the same event id, until it is accepted",
          "[notify][deliverer]") {
  Outbox o;
  o.AddRecipient("webhook", "http://127.0.0.1:9/hook");
  o.Raise("link_down", "k1");
  ScriptedTransport t;
  t.failures = 3;
  notify::Deliverer d(*o.outbox, t, o.clock, o.steady, o.Options());
  CHECK(d.DeliverDue()->failed == 1);
  for (int64_t wait : {10, 30, 90}) {
    o.clock.AdvanceMicros((wait - 1) * 1'000'000);
    CHECK(d.DeliverDue()->sent + d.DeliverDue()->failed == 0);  // not yet due
    o.clock.AdvanceMicros(1'000'000);
    auto pass = d.DeliverDue();
    REQUIRE(pass.ok());
    CHECK(pass->sent + pass->failed == 1);
  }
  REQUIRE(t.posts.size() == 4);
  for (const auto& p : t.posts) CHECK(p.header("X-Tarifador-Event") == t.posts[0].header("X-Tarifador-Event"));
  CHECK(o.Count("SELECT attempts FROM alert_deliveries") == 4);
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries WHERE state = 'sent' AND last_error = ''") == 1);
  CHECK(notify::RetryDelay(1) == std::chrono::seconds(10));
  CHECK(notify::RetryDelay(2) == std::chrono::seconds(30));
  CHECK(notify::RetryDelay(6) == std::chrono::seconds(2430));
  CHECK(notify::RetryDelay(7) == std::chrono::seconds(3600));
  CHECK(notify::RetryDelay(50) == std::chrono::seconds(3600));
}

TEST_CASE("A restart between a failure and its retry delivers exactly once", "[notify][deliverer]") {
  Outbox o;
  o.AddRecipient("webhook", "http://127.0.0.1:9/hook");
  o.Raise("link_down", "k1");
  ScriptedTransport t;
  t.failures = 1;
  {
    notify::Deliverer before(*o.outbox, t, o.clock, o.steady, o.Options());
    CHECK(before.DeliverDue()->failed == 1);
  }  // the process ends here
  notify::Deliverer after(*o.outbox, t, o.clock, o.steady, o.Options());
  CHECK(after.DeliverDue()->sent == 0);  // its retry is not due yet
  o.clock.AdvanceMicros(10'000'000);
  CHECK(after.DeliverDue()->sent == 1);
  o.clock.AdvanceMicros(3600'000'000LL);
  CHECK(after.DeliverDue()->sent == 0);
  CHECK(t.posts.size() == 2);
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries WHERE state = 'sent'") == 1);
}

TEST_CASE("A delivery that keeps failing is given up after a day and kept as failed", "[notify][deliverer]") {
  Outbox o;
  o.AddRecipient("webhook", "http://127.0.0.1:9/hook");
  o.Raise("link_down", "k1");
  ScriptedTransport t;
  t.failures = 1000;
  notify::Deliverer d(*o.outbox, t, o.clock, o.steady, o.Options());
  for (int hour = 0; hour < 30; ++hour) {
    REQUIRE(d.DeliverDue().ok());
    o.clock.AdvanceMicros(3600'000'000LL);
  }
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries WHERE state = 'failed' AND last_error = 'HTTP 500'") == 1);
  const auto attempts = t.posts.size();
  CHECK(attempts >= 24);
  CHECK(attempts <= 31);
  auto counts = o.outbox->Counts();
  REQUIRE(counts.ok());
  CHECK(counts->failed == 1);
  CHECK(counts->pending == 0);
}

TEST_CASE("E-mail without a mail server set up fails with the setting to fix", "[notify][deliverer]") {
  Outbox o;
  o.AddRecipient("email", "ana@example.com");
  o.Raise("link_down", "k1");
  ScriptedTransport t;
  auto options = o.Options();
  options.mail_configured = false;
  notify::Deliverer d(*o.outbox, t, o.clock, o.steady, options);
  CHECK(d.DeliverDue()->failed == 1);
  CHECK(t.mails.empty());
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries WHERE last_error LIKE '%alerts.smtp_url%'") == 1);
}

TEST_CASE("Quiet hours hold a delivery until they end, in the office time zone", "[notify][deliverer]") {
  test_support::OfficeZone zone("Europe/Madrid");
  Outbox o;
  store::AlertRecipient r;
  r.name = "night";
  r.channel = "email";
  r.address = "ana@example.com";
  r.kinds = "*";
  r.language = "es";
  r.quiet_from = 22 * 60;
  r.quiet_to = 7 * 60;
  REQUIRE(o.outbox->AddRecipient(r, "user:boss", o.clock.Now()).ok());
  o.clock.Set(*base::ParseIso8601("2026-12-07T23:30:00+01:00"));
  o.Raise("link_down", "k1");
  ScriptedTransport t;
  notify::Deliverer d(*o.outbox, t, o.clock, o.steady, o.Options());
  CHECK(d.DeliverDue()->deferred == 1);
  CHECK(t.mails.empty());
  auto next = o.outbox->NextDue();
  REQUIRE(next.ok());
  REQUIRE(next->has_value());
  CHECK(base::FormatLocalIso8601(**next) == "2026-12-08T07:00:00+01:00");
  o.clock.Set(**next);
  CHECK(d.DeliverDue()->sent == 1);
  CHECK(o.Count("SELECT attempts FROM alert_deliveries") == 1);  // waiting was not an attempt
}

TEST_CASE("Removing a recipient drops its deliveries not yet sent", "[notify][outbox]") {
  Outbox o;
  const int64_t id = o.AddRecipient("webhook", "http://127.0.0.1:9/hook");
  o.Raise("link_down", "k1");
  REQUIRE(o.outbox->RemoveRecipient(id, "user:boss", o.clock.Now()).ok());
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries") == 0);
  CHECK(o.outbox->RemoveRecipient(id, "user:boss", o.clock.Now()).code() == base::StatusCode::kNotFound);
  CHECK(o.Count("SELECT count(*) FROM audit_log WHERE action = 'alert_recipient.remove'") == 1);
}

TEST_CASE("A delivery that throws is a failed attempt and holds up none behind it", "[notify][deliverer]") {
  Outbox o;
  o.AddRecipient("webhook", "http://127.0.0.1:9/a");
  o.AddRecipient("webhook", "http://127.0.0.1:9/b");
  o.Raise("link_down", "k1");
  ScriptedTransport t;
  t.throws = 1;
  notify::Deliverer d(*o.outbox, t, o.clock, o.steady, o.Options());
  auto pass = d.DeliverDue();
  REQUIRE(pass.ok());
  CHECK(pass->failed == 1);
  CHECK(pass->sent == 1);
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries WHERE state = 'pending' AND last_error LIKE "
                "'%receiver library exploded%'") == 1);
  o.clock.AdvanceMicros(10'000'000);
  CHECK(d.DeliverDue()->sent == 1);
  CHECK(o.Count("SELECT count(*) FROM alert_deliveries WHERE state = 'sent'") == 2);
}
