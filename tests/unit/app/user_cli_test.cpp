#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/command.h"
#include "base/password.h"
#include "base/time.h"
#include "store/audit_store.h"
#include "store/database.h"
#include "store/user_store.h"
#include "test_support/cli_run.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

// A config file pointing data_dir into the temp dir.
std::string WriteConfig(const test_support::TempDir& dir) {
  const std::string path = dir.path() + "/tarifador.json";
  std::ofstream(path) << nlohmann::json{{"data_dir", dir.path() + "/data"}}.dump();
  return path;
}

// The users of the store the CLI wrote, read back the way serve reads them.
std::unique_ptr<store::UserStore> UsersIn(const test_support::TempDir& dir, const base::Clock& clock) {
  auto db = store::Database::Open(dir.path() + "/data/tarifador.db", store::OpenMode::kReadWrite);
  REQUIRE(db.ok());
  return std::make_unique<store::UserStore>(std::move(*db), clock);
}

}  // namespace

TEST_CASE("user add stores an argon2id hash and prints JSON", "[app][cli]") {
  test_support::TempDir dir;
  const std::string cfg = WriteConfig(dir);
  const test_support::CliRun r =
      test_support::Cli({"--config", cfg, "user", "add", "alice", "--role", "admin"}, "a long password\nignored\n");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j == nlohmann::json{{"name", "alice"}, {"role", "admin"}});

  auto db = store::Database::Open(dir.path() + "/data/tarifador.db", store::OpenMode::kReadWrite);
  REQUIRE(db.ok());
  base::SystemClock clock;
  store::UserStore users(std::move(*db), clock);
  auto u = users.FindUser("alice");
  REQUIRE(u.ok());
  CHECK(u->role == store::Role::kAdmin);
  CHECK(base::VerifyPassword(u->password_hash, "a long password"));
  CHECK(*users.CountAdmins() == 1);
  auto db2 = store::Database::Open(dir.path() + "/data/tarifador.db", store::OpenMode::kReadWrite);
  REQUIRE(db2.ok());
  store::AuditStore audit(std::move(*db2), clock);
  auto rows = audit.List(10, "user.add");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].actor == "cli");

  // The same name again fails with a message on stderr and nothing on stdout.
  const test_support::CliRun dup =
      test_support::Cli({"--config", cfg, "user", "add", "Alice", "--role", "viewer"}, "another long one\n");
  CHECK(dup.code == 1);
  CHECK(dup.out.empty());
  CHECK(dup.err.find("already exists") != std::string::npos);
}

TEST_CASE("user add refuses short passwords and bad roles and bad usage", "[app][cli]") {
  test_support::TempDir dir;
  const std::string cfg = WriteConfig(dir);
  const test_support::CliRun short_pw =
      test_support::Cli({"--config", cfg, "user", "add", "bob", "--role", "viewer"}, "short\n");
  CHECK(short_pw.code == 1);
  CHECK(short_pw.out.empty());
  CHECK(short_pw.err.find("too short") != std::string::npos);
  const test_support::CliRun empty = test_support::Cli({"--config", cfg, "user", "add", "bob", "--role", "viewer"}, "");
  CHECK(empty.code == 1);
  CHECK(test_support::Cli({"--config", cfg, "user", "add", "bob", "--role", "root"}, "long enough pw\n").code == 2);
  CHECK(test_support::Cli({"--config", cfg, "user", "add", "bob"}, "long enough pw\n").code == 2);
  CHECK(test_support::Cli({"--config", cfg, "user", "add", "--role", "viewer"}, "long enough pw\n").code == 2);
  // CRLF from a pasted line is not part of the password.
  const test_support::CliRun crlf =
      test_support::Cli({"--config", cfg, "user", "add", "carol", "--role=operator"}, "long enough pw\r\n");
  REQUIRE(crlf.code == 0);
  auto db = store::Database::Open(dir.path() + "/data/tarifador.db", store::OpenMode::kReadWrite);
  REQUIRE(db.ok());
  base::SystemClock clock;
  store::UserStore users(std::move(*db), clock);
  CHECK(base::VerifyPassword(users.FindUser("carol")->password_hash, "long enough pw"));
  CHECK(users.FindUser("bob").status().code() == base::StatusCode::kNotFound);
}

TEST_CASE("user disable enable passwd and list manage users from the shell", "[app][cli]") {
  test_support::TempDir dir;
  const std::string cfg = WriteConfig(dir);
  REQUIRE(test_support::Cli({"--config", cfg, "user", "add", "boss", "--role", "admin"}, "a long password\n").code ==
          0);
  REQUIRE(test_support::Cli({"--config", cfg, "user", "add", "ana", "--role", "viewer"}, "a long password\n").code ==
          0);

  // The last enabled admin cannot be disabled: the box would be locked.
  const test_support::CliRun last = test_support::Cli({"--config", cfg, "user", "disable", "boss"});
  CHECK(last.code == 1);
  CHECK(last.err.find("last enabled admin") != std::string::npos);

  CHECK(test_support::Cli({"--config", cfg, "user", "disable", "ana"}).code == 0);
  const test_support::CliRun listed = test_support::Cli({"--config", cfg, "user", "list"});
  REQUIRE(listed.code == 0);
  std::istringstream lines(listed.out);
  std::string line;
  std::map<std::string, nlohmann::json> by_name;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    by_name[j["name"]] = j;
  }
  REQUIRE(by_name.size() == 2);
  CHECK(by_name["ana"]["disabled"] == true);
  CHECK(by_name["boss"]["disabled"] == false);
  CHECK(test_support::Cli({"--config", cfg, "user", "enable", "ana"}).code == 0);

  // A forgotten password, reset from the shell.
  CHECK(test_support::Cli({"--config", cfg, "user", "passwd", "boss"}, "the new long password\n").code == 0);
  CHECK(test_support::Cli({"--config", cfg, "user", "passwd", "boss"}, "short\n").code == 1);
  CHECK(test_support::Cli({"--config", cfg, "user", "passwd", "nobody"}, "the new long password\n").code == 1);
  CHECK(test_support::Cli({"--config", cfg, "user", "disable"}).code == 2);
  base::SystemClock clock;
  auto users = UsersIn(dir, clock);
  auto boss = users->FindUser("boss");
  REQUIRE(boss.ok());
  CHECK(base::VerifyPassword(boss->password_hash, "the new long password"));
  CHECK_FALSE(users->FindUser("ana")->disabled);
}

TEST_CASE("token create --expires-days sets the token's expiry", "[app][cli]") {
  test_support::TempDir dir;
  const std::string cfg = WriteConfig(dir);
  const test_support::CliRun r =
      test_support::Cli({"--config", cfg, "token", "create", "temp", "--role", "viewer", "--expires-days", "30"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(test_support::Cli({"--config", cfg, "token", "create", "t2", "--role", "viewer", "--expires-days", "0"}).code ==
        2);
  base::SystemClock clock;
  auto tokens = UsersIn(dir, clock)->ListTokens();
  REQUIRE(tokens.ok());
  REQUIRE(tokens->size() == 1);
  REQUIRE((*tokens)[0].expires_at.has_value());
  const int64_t days = ((*tokens)[0].expires_at->micros() - clock.Now().micros()) / 86'400'000'000;
  CHECK((days == 29 || days == 30));
}
