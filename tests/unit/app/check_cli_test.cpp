#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/command.h"
#include "store/database.h"
#include "store/store_meta.h"
#include "test_support/cli_run.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
namespace fs = std::filesystem;

namespace {

// {"name": ok} of a check report.
std::map<std::string, bool> Checks(const nlohmann::json& report) {
  std::map<std::string, bool> out;
  for (const auto& c : report["checks"]) out[c["name"].get<std::string>()] = c["ok"].get<bool>();
  return out;
}

struct Site {
  test_support::TempDir dir;
  std::string cfg = dir.path() + "/c.json";
  std::string store = dir.path() + "/tarifador.db";
  Site() { std::ofstream(cfg) << R"({"data_dir": ")" << dir.path() << R"(", "site_id": "site-a"})"; }
  void CreateStore(const std::string& site_id) {
    auto db = store::Database::Open(store, store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    REQUIRE(store::EnsureStoreMeta((*db)->sql(), site_id, base::Instant::FromSeconds(1'700'000'000)).ok());
  }
};

}  // namespace

TEST_CASE("tarifador check passes on a sound store", "[app][check]") {
  Site s;
  s.CreateStore("site-a");
  const test_support::CliRun r = test_support::Cli({"check", "--config", s.cfg});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["ok"] == true);
  CHECK(j["store"] == s.store);
  const auto checks = Checks(j);
  for (const char* name :
       {"open", "schema_version", "integrity_check", "foreign_key_check", "schema_objects", "store_meta", "site_id"}) {
    INFO(name);
    REQUIRE(checks.count(name) == 1);
    CHECK(checks.at(name));
  }
}

TEST_CASE("tarifador check names what failed and exits 1", "[app][check]") {
  Site s;
  s.CreateStore("site-a");
  SQLite::Database(s.store, SQLite::OPEN_READWRITE).exec("DROP TABLE audit_log");
  const test_support::CliRun r = test_support::Cli({"check", "--config", s.cfg});
  CHECK(r.code == 1);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["ok"] == false);
  CHECK_FALSE(Checks(j).at("schema_objects"));
  CHECK(Checks(j).at("integrity_check"));
  CHECK(r.err.find("schema_objects") != std::string::npos);
}

TEST_CASE("tarifador check refuses a store of another site", "[app][check]") {
  Site s;
  s.CreateStore("site-b");
  const test_support::CliRun r = test_support::Cli({"check", "--config", s.cfg});
  CHECK(r.code == 1);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK_FALSE(Checks(j).at("site_id"));
  CHECK(Checks(j).at("integrity_check"));
}

TEST_CASE("tarifador check on a missing store fails without creating it", "[app][check]") {
  Site s;
  const test_support::CliRun r = test_support::Cli({"check", "--config", s.cfg});
  CHECK(r.code == 1);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["ok"] == false);
  CHECK_FALSE(Checks(j).at("open"));
  CHECK_FALSE(fs::exists(s.store));
  // An explicit file (e.g. a backup) is checked instead of the configured store.
  s.CreateStore("site-a");
  CHECK(test_support::Cli({"check", "--config", s.cfg, s.store}).code == 0);
  CHECK(test_support::Cli({"check", "--config", s.cfg, s.dir.path() + "/other.db"}).code == 1);
  CHECK(test_support::Cli({"check", "a", "b"}).code == 2);
}
