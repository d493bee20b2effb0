#include <catch2/catch.hpp>
#include <fstream>
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
