#include "store/audit_store.h"

#include <catch2/catch.hpp>

#include "test_support/temp_dir.h"

using namespace tarifador;

TEST_CASE("AuditDetail writes escaped JSON objects", "[store][audit]") {
  CHECK(store::AuditDetail({}) == "{}");
  CHECK(store::AuditDetail({{"role", "admin"}}) == R"({"role":"admin"})");
  CHECK(store::AuditDetail({{"a", "x\"y\\z\n"}, {"b", std::string_view("\x01", 1)}}) ==
        R"({"a":"x\"y\\z\n","b":"\u0001"})");
}

TEST_CASE("AuditStore appends and lists newest first and filters by action", "[store][audit]") {
  test_support::TempDir dir;
  auto db = store::Database::Open(dir.path() + "/a.db", store::OpenMode::kReadWrite);
  REQUIRE(db.ok());
  base::FakeClock clock;
  store::AuditStore audit(std::move(*db), clock);
  REQUIRE(audit.Append("ip:10.0.0.1", "session.login_failed", "user:x", R"({"reason":"wrong password"})").ok());
  clock.AdvanceMicros(5);
  REQUIRE(audit.Append("cli", "user.add", "user:y", "").ok());
  auto all = audit.List(10);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].action == "user.add");
  CHECK((*all)[0].detail == "{}");
  CHECK((*all)[0].at == clock.Now());
  CHECK((*all)[1].actor == "ip:10.0.0.1");
  auto failed = audit.List(10, "session.login_failed");
  REQUIRE(failed.ok());
  REQUIRE(failed->size() == 1);
  CHECK((*failed)[0].target == "user:x");
  CHECK(audit.List(1)->size() == 1);
}
