// `tarifador cdr import DIR`: mod_json_cdr files billed as a backfill, each
// originating leg once, other legs never, bad files reported and skipped.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "billing/account.h"
#include "billing/ledger_entry.h"
#include "store/billing_repository.h"
#include "store/read_pool.h"
#include "store/writer.h"
#include "test_support/cli_run.h"
#include "test_support/fixtures.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

// The committed fixtures: a bridged call 1001 -> 00441234567890, A and B leg.
constexpr const char* kALeg = "3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b6c";

std::string Fixture(const char* name) {
  return test_support::SourcePath(std::string("tests/fixtures/json_cdr/") + name);
}

}  // namespace

TEST_CASE("cdr import bills the A leg of a call once and reports every file", "[app][cdr]") {
  test_support::TempDir dir;
  const std::string cfg_path = dir.path() + "/tarifador.json";
  const std::string data_dir = dir.path() + "/data";
  std::ofstream(cfg_path) << nlohmann::json{{"data_dir", data_dir}, {"site_id", "branch-2"}}.dump();
  const std::string deck = dir.path() + "/deck.csv";
  std::ofstream(deck) << "prefix,zone,price_per_minute,initial_increment,increment\n44,UK,0.60,1,1\n";
  REQUIRE(test_support::Cli({"--config", cfg_path, "rates", "import", "--plan", "default", deck}).code == 0);

  billing::AccountId account;
  const std::string store_path = data_dir + "/tarifador.db";
  {
    auto writer = store::Writer::Start(store_path);
    REQUIRE(writer.ok());
    store::ReadPool reads(store_path);
    store::BillingRepository repo(**writer, reads);
    const base::Instant now = base::SystemClock().Now();
    account = repo.CreateAccount({"Sales", billing::AccountType::kPrepaid, {}, {}}, "test", now)->id;
    REQUIRE(
        repo.ApplyMovement({account, billing::LedgerKind::kRecharge, *base::Money::Parse("5"), "test", "", now, {}, {}})
            .ok());
    REQUIRE(repo.PutExtension({"1001", "Alice", account, std::nullopt, true}, "test", now).ok());
  }

  const std::string cdr_dir = dir.path() + "/json_cdr";
  std::filesystem::create_directories(cdr_dir);
  std::filesystem::copy_file(Fixture("a_leg_bridged.cdr.json"), cdr_dir + "/a_" + kALeg + ".cdr.json");
  std::filesystem::copy_file(Fixture("b_leg_gateway.cdr.json"), cdr_dir + "/b.cdr.json");
  std::ofstream(cdr_dir + "/notes.txt") << "not a CDR file: ignored";

  test_support::CliRun run = test_support::Cli({"--config", cfg_path, "cdr", "import", cdr_dir});
  INFO(run.err);
  REQUIRE(run.code == 0);
  nlohmann::json summary = nlohmann::json::parse(run.out);
  CHECK(summary["files"] == 2);
  CHECK(summary["billed"] == 1);
  CHECK(summary["not_billed"] == 1);
  CHECK(summary["failed"] == 0);

  // Again: nothing billed twice. A broken file is reported and fails the run.
  std::ofstream(cdr_dir + "/broken.cdr.json") << "{\"variables\": ";
  run = test_support::Cli({"--config", cfg_path, "cdr", "import", cdr_dir});
  CHECK(run.code == 1);
  CHECK(run.err.find("broken.cdr.json") != std::string::npos);
  summary = nlohmann::json::parse(run.out);
  CHECK(summary["already_billed"] == 1);
  CHECK(summary["billed"] == 0);
  CHECK(summary["failed"] == 1);

  auto writer = store::Writer::Start(store_path);
  REQUIRE(writer.ok());
  store::ReadPool reads(store_path);
  store::BillingRepository repo(**writer, reads);
  auto cdr = repo.GetCdr(billing::CallId{kALeg});
  REQUIRE(cdr.ok());
  CHECK(cdr->billsec == 65);  // end_epoch - max(answer_epoch, bridge_epoch)
  CHECK(cdr->cost == *base::Money::Parse("0.65"));
  CHECK(cdr->site_id == "branch-2");
  CHECK(cdr->linked == std::vector<std::string>{"8a7b6c5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d"});
  CHECK(repo.GetAccount(account)->balance == *base::Money::Parse("4.35"));
  CHECK(test_support::Cli({"--config", cfg_path, "check"}).code == 0);
}
