// CdrSpool: the CDR files mod_json_cdr writes into freeswitch.json_cdr_dir
// are billed through the billing loop and deleted; a file being written
// waits for its final newline; what can never be billed goes to rejected/.
// The files are the real FreeSWITCH 1.10.12 POST bodies (fixtures), written
// the way mod_json_cdr writes them (the document, then a newline).
#include "app/cdr_spool.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "billing/billing_loop.h"
#include "test_support/fixtures.h"
#include "test_support/temp_dir.h"
#include "unit/billing/billing_fixtures.h"
#include "unit/billing/tracker_setup.h"

using namespace tarifador;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

// The capture's office: 1001 on a prepaid 1.00; Spain at 0.60 a minute by
// the second; the box's clock at the capture's time.
struct SpoolSetup : billing::testing::Setup {
  test_support::TempDir dir;
  std::unique_ptr<billing::BillingLoop> loop;
  std::unique_ptr<app::CdrSpool> spool;

  SpoolSetup() {
    clock.Set(base::Instant::FromSeconds(1'796'626'300));  // 2026-12-07, as the capture
    rating::RatePlan plan;
    plan.name = "retail";
    plan.rates = {billing::testing::MakeRate("34", "0.60", "0", 1, 1)};
    auto book = rating::RateBook::Build({plan});
    REQUIRE(book.ok());
    rates.Publish(*book);
    loop = std::make_unique<billing::BillingLoop>(repo, *authorizer, control, clock, BaseOptions(),
                                                  billing::BillingLoop::Options{});
    REQUIRE(loop->Start().ok());
    app::CdrSpool::Options o;
    o.dir = dir.path();
    o.steady = &steady;
    auto created = app::CdrSpool::Create(o, [this](billing::CallEvent e) { return loop->Backfill(std::move(e)); });
    REQUIRE(created.ok());
    spool = std::move(*created);
  }
  ~SpoolSetup() { loop->Stop(); }

  std::string PathOf(const std::string& name) const { return dir.path() + "/" + name; }
  void Write(const std::string& name, const std::string& bytes) const {
    std::ofstream(PathOf(name), std::ios::binary | std::ios::trunc) << bytes;
  }
  bool Exists(const std::string& name) const { return fs::exists(PathOf(name)); }
  bool Rejected(const std::string& name) const { return fs::exists(dir.path() + "/rejected/" + name); }
};

std::string Uuid(const std::string& json) {
  const std::string key = "\"uuid\":\"";
  const size_t at = json.find(key);
  REQUIRE(at != std::string::npos);
  return json.substr(at + key.size(), 36);
}

}  // namespace

TEST_CASE("CDR files are billed and deleted, other legs deleted unbilled, a repeat found billed",
          "[app][spool][fixtures]") {
  TARIFADOR_REQUIRE_FIXTURE(a_leg, "cdr/freeswitch-1.10.12/outbound-bridged.a-leg.json");
  TARIFADOR_REQUIRE_FIXTURE(b_leg, "cdr/freeswitch-1.10.12/outbound-bridged.b-leg.json");
  SpoolSetup s;
  const std::string a_uuid = Uuid(a_leg);
  REQUIRE(a_uuid.rfind("17f5072a", 0) == 0);
  s.Write(a_uuid + ".cdr.json", a_leg + "\n");
  s.Write(Uuid(b_leg) + ".cdr.json", b_leg + "\n");
  s.Write("notes.txt", "not a CDR file\n");
  s.Write(".hidden.cdr.json", "{}\n");
  s.spool->ScanOnce();
  CHECK_FALSE(s.Exists(a_uuid + ".cdr.json"));
  CHECK_FALSE(s.Exists(Uuid(b_leg) + ".cdr.json"));
  CHECK(s.Exists("notes.txt"));  // not the spool's
  CHECK(s.Exists(".hidden.cdr.json"));
  const billing::Cdr cdr = s.CdrOf(a_uuid);
  CHECK(cdr.billsec == 5);
  CHECK(cdr.cost == billing::testing::M("0.05"));
  CHECK(cdr.disposition == billing::Disposition::kAnswered);
  app::CdrSpool::Stats st = s.spool->stats();
  CHECK(st.billed == 1);
  CHECK(st.other_legs == 1);
  CHECK(st.rejected == 0);
  CHECK(st.pending == 0);

  s.Write("a_" + a_uuid + ".cdr.json", a_leg + "\n");  // the same call again (prefix-a-leg)
  s.spool->ScanOnce();
  CHECK_FALSE(s.Exists("a_" + a_uuid + ".cdr.json"));
  st = s.spool->stats();
  CHECK(st.already_billed == 1);
  CHECK(s.repo.cdr_count() == 1);
  CHECK(s.Acc().balance == billing::testing::M("0.95"));
}

TEST_CASE("A file being written waits for its newline; one never finished is rejected", "[app][spool][fixtures]") {
  TARIFADOR_REQUIRE_FIXTURE(a_leg, "cdr/freeswitch-1.10.12/outbound-no-answer.a-leg.json");
  SpoolSetup s;
  const std::string name = Uuid(a_leg) + ".cdr.json";
  s.Write(name, a_leg.substr(0, a_leg.size() / 2));  // FreeSWITCH mid-write
  s.spool->ScanOnce();
  CHECK(s.Exists(name));
  CHECK(s.spool->stats().pending == 1);
  s.steady.Advance(30s);
  s.Write(name, a_leg);  // the document, not yet its newline
  s.spool->ScanOnce();
  CHECK(s.Exists(name));
  CHECK(s.repo.cdr_count() == 0);
  s.Write(name, a_leg + "\n");
  s.spool->ScanOnce();
  CHECK_FALSE(s.Exists(name));
  CHECK(s.CdrOf(Uuid(a_leg)).disposition == billing::Disposition::kNoAnswer);

  s.Write("cut-short.cdr.json", a_leg.substr(0, 100));
  s.spool->ScanOnce();
  s.steady.Advance(59s);
  s.spool->ScanOnce();
  CHECK(s.Exists("cut-short.cdr.json"));
  s.steady.Advance(1s);
  s.spool->ScanOnce();
  CHECK_FALSE(s.Exists("cut-short.cdr.json"));
  CHECK(s.Rejected("cut-short.cdr.json"));
  CHECK(s.spool->stats().rejected == 1);
}

TEST_CASE("A file that is not a CDR, or one no real call has, goes to rejected/ and bills nothing",
          "[app][spool][fixtures]") {
  TARIFADOR_REQUIRE_FIXTURE(a_leg, "cdr/freeswitch-1.10.12/outbound-bridged.a-leg.json");
  SpoolSetup s;
  s.Write("garbage.cdr.json", "{not json at all\n");
  // The same call, its answer moved before its start: it would bill 160 s more.
  std::string forged = a_leg;
  const std::string answered = "1796626280783282";  // its answer and bridge time, µs
  size_t replaced = 0;
  for (size_t at = forged.find(answered); at != std::string::npos; at = forged.find(answered, at)) {
    forged.replace(at, answered.size(), "1696626280783282");
    ++replaced;
  }
  REQUIRE(replaced >= 2);
  s.Write("forged.cdr.json", forged + "\n");
  s.spool->ScanOnce();
  CHECK(s.Rejected("garbage.cdr.json"));
  CHECK(s.Rejected("forged.cdr.json"));
  CHECK_FALSE(s.Exists("garbage.cdr.json"));
  CHECK(s.repo.cdr_count() == 0);
  const app::CdrSpool::Stats st = s.spool->stats();
  CHECK(st.rejected == 2);
  CHECK_THAT(st.last_error, Catch::Contains("nothing billed") || Catch::Contains("JSON"));
  CHECK(s.Acc().balance == billing::testing::M("1.00"));
}

TEST_CASE("The spool refuses a directory that is not one", "[app][spool]") {
  test_support::TempDir dir;
  app::CdrSpool::Options o;
  o.dir = dir.path() + "/missing";
  auto spool = app::CdrSpool::Create(o, [](billing::CallEvent) { return std::future<base::Result<std::string>>(); });
  CHECK(spool.status().code() == base::StatusCode::kInvalidArgument);
  CHECK_THAT(spool.status().message(), Catch::Contains("is not a directory"));
}
