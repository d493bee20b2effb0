// The export log's failed runs raise export_failed once per period, in the
// run's own transaction (docs/ALERTS.md).
#include "store/export_log.h"

#include <catch2/catch.hpp>

#include "store/alert_store.h"
#include "store/read_pool.h"
#include "store/writer.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

TEST_CASE("A failed export raises export_failed once per period; a good one raises nothing",
          "[store][export][alerts]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/t.db";
  auto log = store::ExportLog::Open(path);
  REQUIRE(log.ok());
  store::ExportRun run;
  run.kind = "daily";
  run.period = "2026-12-06";
  run.file = "cdrs-2026-12-06.csv";
  run.status = "failed";
  run.error = "No space left on device";
  run.started_at = run.finished_at = base::Instant::FromSeconds(1'796'600'000);
  REQUIRE((*log)->Record(run).ok());
  REQUIRE((*log)->Record(run).ok());  // the retry fails too
  run.period = "2026-12-07";
  run.status = "ok";
  run.error = "";
  REQUIRE((*log)->Record(run).ok());
  auto writer = store::Writer::Start(path);
  REQUIRE(writer.ok());
  store::ReadPool reads(path);
  store::AlertStore alerts(**writer, reads);
  auto open = alerts.List(true, 0, 10);
  REQUIRE(open.ok());
  REQUIRE(open->size() == 1);
  CHECK(open->at(0).kind == "export_failed");
  CHECK(open->at(0).severity == "critical");
  CHECK(open->at(0).detail ==
        R"({"error":"No space left on device","file":"cdrs-2026-12-06.csv","kind":"daily","period":"2026-12-06"})");
  (*writer)->Shutdown();
}
