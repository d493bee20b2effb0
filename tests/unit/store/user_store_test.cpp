#include "store/user_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "base/password.h"
#include "store/audit_store.h"
#include "store/migrations.h"
#include "store/writer.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

struct Fixture {
  Fixture() {
    auto db = store::Database::Open(dir.path() + "/u.db", store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    users = std::make_unique<store::UserStore>(std::move(*db), clock);
    auto probe_db = store::Database::Open(dir.path() + "/u.db", store::OpenMode::kReadWrite);
    REQUIRE(probe_db.ok());
    probe = std::move(*probe_db);
  }
  int64_t Count(const std::string& sql) { return probe->sql().execAndGet(sql).getInt64(); }

  test_support::TempDir dir;
  base::FakeClock clock;
  std::unique_ptr<store::UserStore> users;
  std::unique_ptr<store::Database> probe;  // a second connection, to see only committed rows
};

}  // namespace

TEST_CASE("Roles and names parse and validate", "[store][users]") {
  CHECK(store::ParseRole("admin") == store::Role::kAdmin);
  CHECK(store::ParseRole("Admin") == std::nullopt);
  CHECK(std::string(store::RoleName(store::Role::kOperator)) == "operator");
  CHECK(store::ValidateName("alice.b-c_d@x", "user name").ok());
  for (const char* bad : {"", "-x", "a b", "a/b", "é"}) {
    INFO(bad);
    CHECK(store::ValidateName(bad, "user name").code() == base::StatusCode::kInvalidArgument);
  }
  CHECK_FALSE(store::ValidateName(std::string(65, 'a'), "user name").ok());
}

TEST_CASE("Adding users is audited in the same transaction and duplicates are refused", "[store][users]") {
  Fixture f;
  auto u = f.users->AddUser("alice", store::Role::kAdmin, "$argon2id$fake", "cli");
  REQUIRE(u.ok());
  CHECK(u->id > 0);
  CHECK(f.Count("SELECT COUNT(*) FROM users") == 1);
  CHECK(f.Count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.add' AND actor = 'cli' AND target = "
                "'user:alice' AND detail = '{\"role\":\"admin\"}'") == 1);

  auto dup = f.users->AddUser("ALICE", store::Role::kViewer, "$argon2id$fake", "cli");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().code() == base::StatusCode::kAlreadyExists);
  // The failed change left no audit row behind.
  CHECK(f.Count("SELECT COUNT(*) FROM audit_log") == 1);
  CHECK(f.users->AddUser("bad name", store::Role::kViewer, "h", "cli").status().code() ==
        base::StatusCode::kInvalidArgument);

  auto found = f.users->FindUser("Alice");
  REQUIRE(found.ok());
  CHECK(found->name == "alice");
  CHECK(found->role == store::Role::kAdmin);
  CHECK(found->password_hash == "$argon2id$fake");
  CHECK(f.users->FindUser("nobody").status().code() == base::StatusCode::kNotFound);
  CHECK(*f.users->CountAdmins() == 1);
  REQUIRE(f.users->AddUser("bob", store::Role::kViewer, "h", "cli").ok());
  CHECK(*f.users->CountAdmins() == 1);
  CHECK(f.users->ListUsers()->size() == 2);
}

TEST_CASE("The first admin can be created only while there is none", "[store][users]") {
  Fixture f;
  REQUIRE(f.users->AddUser("viewer1", store::Role::kViewer, "h", "cli").ok());
  auto first = f.users->AddFirstAdmin("root", "h", "setup:127.0.0.1");
  REQUIRE(first.ok());
  CHECK(first->role == store::Role::kAdmin);
  auto second = f.users->AddFirstAdmin("root2", "h", "setup:127.0.0.1");
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == base::StatusCode::kFailedPrecondition);
  CHECK(f.Count("SELECT COUNT(*) FROM users WHERE role = 'admin'") == 1);
}

TEST_CASE("Tokens are shown once and stored as SHA-256 and work until revoked", "[store][users]") {
  Fixture f;
  auto t = f.users->CreateToken("dialplan", store::Role::kOperator, "cli");
  REQUIRE(t.ok());
  CHECK(t->plaintext.size() == 43);
  CHECK(f.Count("SELECT COUNT(*) FROM api_tokens WHERE token_sha256 = '" + base::Sha256Hex(t->plaintext) + "'") == 1);
  CHECK(f.Count("SELECT COUNT(*) FROM api_tokens WHERE token_sha256 = '" + t->plaintext + "'") == 0);
  CHECK(f.Count("SELECT COUNT(*) FROM audit_log WHERE action = 'token.create' AND target = 'token:dialplan'") == 1);
  CHECK(f.users->CreateToken("DIALPLAN", store::Role::kViewer, "cli").status().code() ==
        base::StatusCode::kAlreadyExists);

  auto used = f.users->UseToken(base::Sha256Hex(t->plaintext));
  REQUIRE(used.ok());
  CHECK(used->name == "dialplan");
  CHECK(used->role == store::Role::kOperator);
  REQUIRE(used->last_used_at.has_value());
  const int64_t first_use = used->last_used_at->micros();
  // Within a minute the stored time does not move (no write per request) ...
  f.clock.AdvanceMicros(30'000'000);
  REQUIRE(f.users->UseToken(base::Sha256Hex(t->plaintext)).ok());
  CHECK(f.Count("SELECT last_used_at_us FROM api_tokens") == first_use);
  // ... after it, it does.
  f.clock.AdvanceMicros(31'000'000);
  REQUIRE(f.users->UseToken(base::Sha256Hex(t->plaintext)).ok());
  CHECK(f.Count("SELECT last_used_at_us FROM api_tokens") == f.clock.Now().micros());

  CHECK(f.users->UseToken(base::Sha256Hex("wrong")).status().code() == base::StatusCode::kNotFound);
  REQUIRE(f.users->RevokeToken("dialplan", "user:root").ok());
  CHECK(f.users->UseToken(base::Sha256Hex(t->plaintext)).status().code() == base::StatusCode::kNotFound);
  CHECK(f.users->RevokeToken("dialplan", "user:root").code() == base::StatusCode::kNotFound);
  CHECK(f.Count("SELECT COUNT(*) FROM audit_log WHERE action = 'token.revoke' AND actor = 'user:root'") == 1);
  auto list = f.users->ListTokens();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].revoked);
}

TEST_CASE("The cdr-writer role is for tokens, not people", "[store][users]") {
  Fixture f;
  CHECK(store::ParseRole("cdr-writer") == store::Role::kCdrWriter);
  CHECK(std::string(store::RoleName(store::Role::kCdrWriter)) == "cdr-writer");
  auto t = f.users->CreateToken("json-cdr", store::Role::kCdrWriter, "cli");
  REQUIRE(t.ok());
  CHECK(f.Count("SELECT COUNT(*) FROM api_tokens WHERE role = 'cdr-writer'") == 1);
  auto used = f.users->UseToken(base::Sha256Hex(t->plaintext));
  REQUIRE(used.ok());
  CHECK(used->role == store::Role::kCdrWriter);
  auto person = f.users->AddUser("mallory", store::Role::kCdrWriter, "$argon2id$x", "cli");
  CHECK(person.status().code() == base::StatusCode::kInvalidArgument);
  CHECK_THAT(person.status().message(), Catch::Contains("API tokens"));
  CHECK(f.Count("SELECT COUNT(*) FROM users") == 0);
  // The database refuses it too.
  CHECK_THROWS(f.probe->sql().exec(
      "INSERT INTO users(name, role, password_hash, created_at_us) VALUES ('x', 'cdr-writer', 'h', 0)"));
}

TEST_CASE("Sessions are created and found and expire and are deleted and purged", "[store][users]") {
  Fixture f;
  auto u = f.users->AddUser("alice", store::Role::kViewer, "h", "cli");
  REQUIRE(u.ok());
  auto s = f.users->CreateSession(*u, 3'600'000'000, R"({"ip":"127.0.0.1"})");
  REQUIRE(s.ok());
  CHECK(s->id.size() == 43);
  CHECK(s->session.id_sha256 == base::Sha256Hex(s->id));
  CHECK(f.Count("SELECT COUNT(*) FROM sessions WHERE id_sha256 = '" + s->id + "'") == 0);  // only the hash
  CHECK(f.Count("SELECT COUNT(*) FROM audit_log WHERE action = 'session.login' AND actor = 'user:alice'") == 1);

  auto found = f.users->FindSession(s->session.id_sha256);
  REQUIRE(found.ok());
  CHECK(found->user_name == "alice");
  CHECK(found->csrf_token == s->session.csrf_token);
  CHECK(f.users->FindSession(base::Sha256Hex("other")).status().code() == base::StatusCode::kNotFound);

  auto s2 = f.users->CreateSession(*u, 3'600'000'000, "");
  REQUIRE(s2.ok());
  REQUIRE(f.users->DeleteSession(s2->session.id_sha256, "user:alice").ok());
  CHECK(f.users->FindSession(s2->session.id_sha256).status().code() == base::StatusCode::kNotFound);
  CHECK(f.users->DeleteSession(s2->session.id_sha256, "user:alice").code() == base::StatusCode::kNotFound);
  CHECK(f.Count("SELECT COUNT(*) FROM audit_log WHERE action = 'session.logout'") == 1);

  f.clock.AdvanceMicros(3'600'000'001);
  CHECK(f.users->FindSession(s->session.id_sha256).status().code() == base::StatusCode::kNotFound);
  CHECK(f.Count("SELECT COUNT(*) FROM sessions") == 1);
  auto purged = f.users->PurgeExpiredSessions();
  REQUIRE(purged.ok());
  CHECK(*purged == 1);
  CHECK(f.Count("SELECT COUNT(*) FROM sessions") == 0);
}

TEST_CASE("A disabled user's sessions stop working", "[store][users]") {
  Fixture f;
  auto u = f.users->AddUser("alice", store::Role::kViewer, "h", "cli");
  REQUIRE(u.ok());
  auto s = f.users->CreateSession(*u, 3'600'000'000, "");
  REQUIRE(s.ok());
  f.probe->sql().exec("UPDATE users SET disabled = 1");
  CHECK(f.users->FindSession(s->session.id_sha256).status().code() == base::StatusCode::kNotFound);
}

TEST_CASE("Token and session checks do not queue behind a write waiting for the lock", "[store][users]") {
  Fixture f;
  auto writer_or = store::Writer::Start(f.dir.path() + "/u.db");
  REQUIRE(writer_or.ok());
  f.users->UseWriter(writer_or->get());
  auto token = f.users->CreateToken("dialplan", store::Role::kViewer, "test");
  REQUIRE(token.ok());
  const std::string sha = base::Sha256Hex(token->plaintext);
  f.probe->sql().exec("BEGIN IMMEDIATE");  // another writer holds the lock
  // A write on the store's own connection now waits (10 s busy timeout)
  // while holding its mutex...
  std::thread writer([&] { (void)f.users->CreateToken("other", store::Role::kViewer, "test"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // ...and a token check is still answered (at once: it reads on its own
  // connection; were it to take that mutex, it would wait for the ROLLBACK
  // below, which comes only after it returns).
  auto used = f.users->UseToken(sha);
  CHECK(used.ok());
  f.probe->sql().exec("ROLLBACK");
  writer.join();
  // The last use was queued to the writer and lands once the lock is free.
  (*writer_or)->Shutdown();
  CHECK(f.Count("SELECT COUNT(*) FROM api_tokens WHERE name = 'dialplan' AND last_used_at_us IS NOT NULL") == 1);
  CHECK(f.users->SchemaVersion() == store::LatestSchemaVersion());
}

TEST_CASE("Writer CheckWritable reports a store that cannot take the write lock", "[store][writer]") {
  Fixture f;
  auto writer = store::Writer::Start(f.dir.path() + "/u.db");
  REQUIRE(writer.ok());
  CHECK((*writer)->CheckWritable(std::chrono::seconds(30)).ok());
  f.probe->sql().exec("BEGIN IMMEDIATE");  // another writer holds the lock
  const base::Status busy = (*writer)->CheckWritable(std::chrono::milliseconds(200));
  CHECK(busy.code() == base::StatusCode::kUnavailable);
  CHECK(busy.message().find("write lock") != std::string::npos);
  f.probe->sql().exec("ROLLBACK");
  // The probe in flight completes, and the next one passes.
  CHECK((*writer)->CheckWritable(std::chrono::seconds(30)).ok());
}
