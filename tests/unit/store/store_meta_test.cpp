#include "store/store_meta.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "store/database.h"
#include "store/writer.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

TEST_CASE("store_meta records the site on first use and refuses another", "[store][store_meta]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/m.db";
  const base::Instant t0 = base::Instant::FromSeconds(1'767'323'045);  // 2026-01-02T03:04:05Z
  {
    auto w = store::Writer::Start(path);
    REQUIRE(w.ok());
    REQUIRE(store::EnsureStoreMeta(**w, "branch-1", t0).ok());
    // Again with the same site: fine, created_at unchanged.
    REQUIRE(store::EnsureStoreMeta(**w, "branch-1", base::Instant::FromSeconds(1'800'000'000)).ok());
    const base::Status other = store::EnsureStoreMeta(**w, "branch-2", t0);
    CHECK(other.code() == base::StatusCode::kFailedPrecondition);
    CHECK(other.message().find("\"branch-1\"") != std::string::npos);
    CHECK(other.message().find("\"branch-2\"") != std::string::npos);
    CHECK(other.message().find("Set site_id to \"branch-1\"") != std::string::npos);
    CHECK(other.message().find(path) != std::string::npos);
  }
  auto db = store::Database::Open(path, store::OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto meta = store::ReadStoreMeta((*db)->sql());
  REQUIRE(meta.ok());
  CHECK(meta->site_id == "branch-1");
  CHECK(meta->created_at == "2026-01-02T03:04:05Z");
  CHECK(store::CheckStoreSite((*db)->sql(), "branch-1").ok());
  CHECK(store::CheckStoreSite((*db)->sql(), "elsewhere").code() == base::StatusCode::kFailedPrecondition);
  CHECK(store::CheckStoreMetaWellFormed((*db)->sql()).ok());
}

TEST_CASE("A fresh store has no site yet and accepts any", "[store][store_meta]") {
  test_support::TempDir dir;
  auto db = store::Database::Open(dir.path() + "/n.db", store::OpenMode::kReadWrite);
  REQUIRE(db.ok());
  auto meta = store::ReadStoreMeta((*db)->sql());
  REQUIRE(meta.ok());
  CHECK_FALSE(meta->site_id.has_value());
  CHECK(store::CheckStoreSite((*db)->sql(), "anything").ok());
  CHECK(store::CheckStoreMetaWellFormed((*db)->sql()).ok());
  CHECK(store::EnsureStoreMeta((*db)->sql(), "", base::Instant()).code() == base::StatusCode::kInvalidArgument);
  // A tampered created_at is caught by the consistency check.
  (*db)->sql().exec("INSERT INTO store_meta VALUES ('site_id', 's'), ('created_at', 'yesterday')");
  const base::Status s = store::CheckStoreMetaWellFormed((*db)->sql());
  CHECK(s.code() == base::StatusCode::kInternal);
  CHECK(s.message().find("created_at") != std::string::npos);
}
