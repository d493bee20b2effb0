// PIN codes on a real SQLite store (docs/BILLING.md "PIN codes"): the
// administration of codes, and billing's check of one (billing::PinChecker)
// with its throttle, audit rows and pin_failures alert, at hand-set times.
#include "store/pin_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "billing/pin_check.h"
#include "store/alert_store.h"
#include "store/audit_store.h"
#include "store/billing_repository.h"
#include "store/read_pool.h"
#include "store/writer.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
using billing::PinVerdict;

namespace {

constexpr int64_t kMinuteUs = 60'000'000;

struct PinDb {
  test_support::TempDir dir;
  std::unique_ptr<store::Writer> writer;
  std::unique_ptr<store::ReadPool> reads;
  std::unique_ptr<store::PinStore> pins;
  std::unique_ptr<store::BillingRepository> repo;
  base::Instant t0 = base::Instant::FromSeconds(1'796'680'000);
  billing::AccountId ana;

  PinDb() {
    auto w = store::Writer::Start(dir.path() + "/t.db");
    REQUIRE(w.ok());
    writer = std::move(*w);
    reads = std::make_unique<store::ReadPool>(dir.path() + "/t.db");
    pins = std::make_unique<store::PinStore>(*writer, *reads);
    repo = std::make_unique<store::BillingRepository>(*writer, *reads);
    auto account = repo->CreateAccount({"Ana García", billing::AccountType::kPrepaid, {}, {}}, "test", t0);
    REQUIRE(account.ok());
    ana = account->id;
  }

  billing::PinCode Code(std::string id = "1003") {
    billing::PinCode c;
    c.id = std::move(id);
    c.owner = "Ana García";
    c.account_id = ana;
    return c;
  }

  int64_t Count(const std::string& sql) {
    SQLite::Database db(dir.path() + "/t.db", SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
  }
  std::string Text(const std::string& sql) {
    SQLite::Database db(dir.path() + "/t.db", SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getString();
  }
};

billing::PinAttempt Attempt(std::string id, std::string pin, std::string caller = "1001") {
  return billing::PinAttempt{std::move(id), std::move(pin), std::move(caller), billing::CallId{"call-1"}};
}

base::Instant At(const PinDb& db, int64_t minutes) {
  return base::Instant::FromMicros(db.t0.micros() + minutes * kMinuteUs);
}

}  // namespace

TEST_CASE("PIN digits must be digits, of a sane length, and not guessable at a glance", "[billing][pin]") {
  CHECK(billing::ValidatePinDigits("4817", "1003").ok());
  CHECK(billing::ValidatePinDigits("904512", "1003").ok());
  for (const char* weak : {"1234", "9876", "0000", "777777", "1003", "123", "1234567890123", "48a7", ""}) {
    INFO(weak);
    const base::Status s = billing::ValidatePinDigits(weak, "1003");
    CHECK(s.code() == base::StatusCode::kInvalidArgument);
    CHECK((std::string(weak).empty() || s.message().find(weak) == std::string::npos));  // never echoed
  }
  CHECK(billing::ValidatePinId("1003").ok());
  CHECK_FALSE(billing::ValidatePinId("").ok());
  CHECK_FALSE(billing::ValidatePinId("10a3").ok());
  CHECK_FALSE(billing::ValidatePinId("1234567890123").ok());
  billing::PinGrant any{"1", "x", billing::AccountId{1}, {}};
  billing::PinGrant local{"1", "x", billing::AccountId{1}, {"Local", "Mobile"}};
  CHECK(billing::PinAllowsZone(any, "International"));
  CHECK(billing::PinAllowsZone(local, "Mobile"));
  CHECK_FALSE(billing::PinAllowsZone(local, "International"));
}

TEST_CASE("PIN codes are added, changed and removed, audited, and keep only a hash", "[store][pin]") {
  PinDb db;
  billing::PinCode code = db.Code();
  code.zones = {"Local", "Mobile"};
  auto created = db.pins->CreatePin(code, "4817", "user:boss", db.t0);
  REQUIRE(created.ok());
  CHECK(created->zones == std::vector<std::string>{"Local", "Mobile"});
  const std::string hash = db.Text("SELECT pin_hash FROM pin_codes WHERE id = '1003'");
  CHECK(hash.rfind("$argon2id$", 0) == 0);
  CHECK(hash.find("4817") == std::string::npos);
  CHECK(db.Count("SELECT count(*) FROM audit_log WHERE action = 'pin.add' AND detail LIKE '%4817%'") == 0);
  CHECK(db.Count("SELECT count(*) FROM audit_log WHERE action = 'pin.add' AND target = 'pin:1003'") == 1);

  CHECK(db.pins->CreatePin(db.Code(), "5290", "user:boss", db.t0).status().code() == base::StatusCode::kAlreadyExists);
  billing::PinCode stranger = db.Code("2000");
  stranger.account_id = billing::AccountId{999};
  CHECK(db.pins->CreatePin(stranger, "5290", "user:boss", db.t0).status().code() == base::StatusCode::kNotFound);
  CHECK(db.pins->CreatePin(db.Code("2001"), "1111", "user:boss", db.t0).status().code() ==
        base::StatusCode::kInvalidArgument);

  store::PinChanges changes;
  changes.enabled = false;
  changes.pin = "5290";
  auto updated = db.pins->UpdatePin("1003", changes, "user:boss", At(db, 1));
  REQUIRE(updated.ok());
  CHECK_FALSE(updated->enabled);
  CHECK(db.Text("SELECT pin_hash FROM pin_codes WHERE id = '1003'") != hash);
  CHECK(db.Count(
            "SELECT count(*) FROM audit_log WHERE action = 'pin.update' AND detail LIKE '%\"pin\":\"changed\"%'") == 1);
  CHECK(db.pins->UpdatePin("9999", changes, "user:boss", db.t0).status().code() == base::StatusCode::kNotFound);

  auto listed = db.pins->ListPins();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().owner == "Ana García");
  REQUIRE(db.pins->DeletePin("1003", "user:boss", At(db, 2)).ok());
  CHECK(db.pins->ListPins()->empty());
  CHECK(db.pins->DeletePin("1003", "user:boss", At(db, 2)).code() == base::StatusCode::kNotFound);
}

TEST_CASE("A right code is granted and audited; a wrong, unknown or disabled one is refused", "[store][pin]") {
  PinDb db;
  billing::PinCode zoned = db.Code();
  zoned.zones = {"Local"};
  REQUIRE(db.pins->CreatePin(zoned, "4817", "user:boss", db.t0).ok());
  billing::PinCode off = db.Code("2002");
  off.enabled = false;
  REQUIRE(db.pins->CreatePin(off, "6620", "user:boss", db.t0).ok());
  billing::PinChecker checker(*db.pins, {});

  auto granted = checker.Check(Attempt("1003", "4817"), At(db, 1));
  REQUIRE(granted.ok());
  CHECK(granted->verdict == PinVerdict::kGranted);
  REQUIRE(granted->grant);
  CHECK(granted->grant->account_id == db.ana);
  CHECK(granted->grant->zones == std::vector<std::string>{"Local"});
  CHECK(db.Count("SELECT last_used_us FROM pin_codes WHERE id = '1003'") == At(db, 1).micros());
  CHECK(db.Count("SELECT count(*) FROM audit_log WHERE action = 'pin.use' AND actor = 'phone:1001' AND "
                 "target = 'pin:1003'") == 1);

  for (const auto& [id, pin] : std::vector<std::pair<std::string, std::string>>{
           {"1003", "4818"}, {"7777", "4817"}, {"2002", "6620"}, {"1003", ""}, {"10;3", "4817"}}) {
    INFO(id << " / " << pin);
    auto refused = checker.Check(Attempt(id, pin), At(db, 2));
    REQUIRE(refused.ok());
    CHECK(refused->verdict == PinVerdict::kInvalid);
    CHECK_FALSE(refused->grant);
  }
  auto nothing = checker.Check(Attempt("", ""), At(db, 2));
  REQUIRE(nothing.ok());
  CHECK(nothing->verdict == PinVerdict::kMissing);
  CHECK(db.Count("SELECT count(*) FROM pin_failures") == 5);  // keying nothing is no guess
  CHECK(db.Count("SELECT count(*) FROM audit_log WHERE action = 'pin.refused'") == 5);
  CHECK(db.Count("SELECT count(*) FROM audit_log WHERE detail LIKE '%4818%' OR detail LIKE '%6620%'") == 0);
}

TEST_CASE("Wrong codes lock the code number for the window and raise one pin_failures alert", "[store][pin]") {
  PinDb db;
  REQUIRE(db.pins->CreatePin(db.Code(), "4817", "user:boss", db.t0).ok());
  billing::PinChecker checker(*db.pins, {5, std::chrono::minutes(15)});
  for (int i = 0; i < 5; ++i) {
    auto wrong = checker.Check(Attempt("1003", "9031", "1001"), At(db, i));
    REQUIRE(wrong.ok());
    CHECK(wrong->verdict == PinVerdict::kInvalid);
  }
  CHECK(db.Count("SELECT count(*) FROM alerts WHERE kind = 'pin_failures'") == 1);
  CHECK(db.Text("SELECT detail FROM alerts WHERE kind = 'pin_failures'").find("\"scope\":\"code\"") !=
        std::string::npos);
  // Locked: even the right digits, from another phone, within 15 minutes of the failures.
  auto locked = checker.Check(Attempt("1003", "4817", "1002"), At(db, 10));
  REQUIRE(locked.ok());
  CHECK(locked->verdict == PinVerdict::kLocked);
  CHECK(db.Count("SELECT count(*) FROM pin_failures") == 5);  // a locked try adds no failure
  // The window moves on: the first failures age out and the code works again.
  auto later = checker.Check(Attempt("1003", "4817", "1002"), At(db, 16));
  REQUIRE(later.ok());
  CHECK(later->verdict == PinVerdict::kGranted);
  CHECK(db.Count("SELECT count(*) FROM alerts WHERE kind = 'pin_failures'") == 1);
}

TEST_CASE("A phone trying many code numbers is locked out of PIN calls", "[store][pin]") {
  PinDb db;
  REQUIRE(db.pins->CreatePin(db.Code(), "4817", "user:boss", db.t0).ok());
  billing::PinChecker checker(*db.pins, {3, std::chrono::minutes(15)});
  for (int i = 0; i < 6; ++i) {  // six numbers, once each: no code reaches 3
    auto wrong = checker.Check(Attempt(std::to_string(5000 + i), "9031", "1009"), At(db, 0));
    REQUIRE(wrong.ok());
    CHECK(wrong->verdict == PinVerdict::kInvalid);
  }
  CHECK(db.Text("SELECT detail FROM alerts WHERE kind = 'pin_failures'").find("\"scope\":\"phone\"") !=
        std::string::npos);
  auto locked = checker.Check(Attempt("1003", "4817", "1009"), At(db, 1));
  REQUIRE(locked.ok());
  CHECK(locked->verdict == PinVerdict::kLocked);
  // Another phone is not held to it.
  auto other = checker.Check(Attempt("1003", "4817", "1001"), At(db, 1));
  REQUIRE(other.ok());
  CHECK(other->verdict == PinVerdict::kGranted);
}

TEST_CASE("Codes keyed at once on many phones cannot each slip a guess past the lock", "[store][pin]") {
  PinDb db;
  REQUIRE(db.pins->CreatePin(db.Code(), "4817", "user:boss", db.t0).ok());
  billing::PinChecker checker(*db.pins, {3, std::chrono::minutes(15)});
  std::vector<std::thread> phones;
  std::atomic<int> invalid{0};
  std::atomic<int> locked{0};
  for (int i = 0; i < 6; ++i) {
    phones.emplace_back([&, i] {
      auto r = checker.Check(Attempt("1003", "9031", std::to_string(2000 + i)), At(db, 1));
      if (r.ok() && r->verdict == PinVerdict::kInvalid) ++invalid;
      if (r.ok() && r->verdict == PinVerdict::kLocked) ++locked;
    });
  }
  for (std::thread& t : phones) t.join();
  CHECK(invalid == 3);  // exactly max_failures guesses were tried
  CHECK(locked == 3);
  CHECK(db.Count("SELECT count(*) FROM alerts WHERE kind = 'pin_failures'") == 1);
}
