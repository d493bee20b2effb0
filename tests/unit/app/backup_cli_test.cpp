#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/command.h"
#include "store/database.h"
#include "test_support/cli_run.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
namespace fs = std::filesystem;

namespace {}  // namespace

TEST_CASE("tarifador backup copies the configured store", "[app][backup]") {
  test_support::TempDir dir;
  const std::string cfg = dir.path() + "/c.json";
  std::ofstream(cfg) << R"({"data_dir": ")" << dir.path() << R"(", "site_id": "s"})";
  {
    auto db = store::Database::Open(dir.path() + "/tarifador.db", store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    (*db)->sql().exec("INSERT INTO audit_log(at_us, actor, action) VALUES (1, 'cli', 'test.marker')");
  }
  const std::string dest = dir.path() + "/copy.db";
  const test_support::CliRun r = test_support::Cli({"--config", cfg, "backup", dest});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["file"] == dest);
  CHECK(j["bytes"].get<int64_t>() == static_cast<int64_t>(fs::file_size(dest)));
  SQLite::Database copy(dest, SQLite::OPEN_READONLY);
  CHECK(copy.execAndGet("SELECT count(*) FROM audit_log WHERE action = 'test.marker'").getInt() == 1);

  CHECK(test_support::Cli({"--config", cfg, "backup"}).code == 2);
  // No store yet in another data dir: a clear failure, and nothing created.
  const std::string empty_cfg = dir.path() + "/e.json";
  fs::create_directory(dir.path() + "/empty");
  std::ofstream(empty_cfg) << R"({"data_dir": ")" << dir.path() << R"(/empty"})";
  const test_support::CliRun none = test_support::Cli({"--config", empty_cfg, "backup", dir.path() + "/x.db"});
  CHECK(none.code == 1);
  CHECK(none.err.find("does not exist") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path() + "/empty/tarifador.db"));
  CHECK_FALSE(fs::exists(dir.path() + "/x.db"));
}
