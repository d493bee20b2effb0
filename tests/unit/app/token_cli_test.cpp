#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/command.h"
#include "base/password.h"
#include "base/time.h"
#include "store/database.h"
#include "store/user_store.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

TEST_CASE("token create prints only the token and the token authenticates", "[app][cli]") {
  test_support::TempDir dir;
  const std::string cfg = dir.path() + "/tarifador.json";
  std::ofstream(cfg) << nlohmann::json{{"data_dir", dir.path() + "/data"}}.dump();

  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  const int code = app::RunCli({"--config", cfg, "token", "create", "dialplan", "--role", "operator"}, in, out, err);
  INFO(err.str());
  REQUIRE(code == 0);
  std::string token = out.str();
  REQUIRE(!token.empty());
  CHECK(token.back() == '\n');
  token.pop_back();
  CHECK(token.size() == 43);
  CHECK(token.find_first_of(" \n{") == std::string::npos);  // nothing but the token
  CHECK(err.str().find("shown only this once") != std::string::npos);

  auto db = store::Database::Open(dir.path() + "/data/tarifador.db", store::OpenMode::kReadWrite);
  REQUIRE(db.ok());
  base::SystemClock clock;
  store::UserStore users(std::move(*db), clock);
  auto t = users.UseToken(base::Sha256Hex(token));
  REQUIRE(t.ok());
  CHECK(t->name == "dialplan");
  CHECK(t->role == store::Role::kOperator);

  std::ostringstream out2;
  std::ostringstream err2;
  CHECK(app::RunCli({"--config", cfg, "token", "create", "dialplan", "--role", "viewer"}, in, out2, err2) == 1);
  CHECK(out2.str().empty());
  std::ostringstream out3;
  CHECK(app::RunCli({"--config", cfg, "token", "create", "x", "--role", "boss"}, in, out3, err2) == 2);
  CHECK(app::RunCli({"--config", cfg, "token", "create", "--role", "viewer"}, in, out3, err2) == 2);
  CHECK(out3.str().empty());
}
