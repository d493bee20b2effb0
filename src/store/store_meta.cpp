#include "store/store_meta.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/writer.h"

namespace tarifador::store {
namespace {

std::optional<std::string> Get(SQLite::Database& db, const char* key) {
  SQLite::Statement q(db, "SELECT value FROM store_meta WHERE key = ?");
  q.bind(1, key);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

base::Status SiteMismatch(SQLite::Database& db, const std::string& stored, const std::string& configured) {
  return base::FailedPrecondition(
      "store \"" + db.getFilename() + "\" belongs to site_id \"" + stored + "\" but the config says \"" + configured +
      "\"; head office keys mirrored rows by site id, so a store cannot change site. Set site_id to \"" + stored +
      "\" in the config file (or TARIFADOR_SITE_ID), or point data_dir at an empty directory to start a new site");
}

}  // namespace

base::Result<StoreMeta> ReadStoreMeta(SQLite::Database& db) {
  try {
    return StoreMeta{Get(db, "site_id"), Get(db, "created_at")};
  } catch (const SQLite::Exception& e) {
    return base::Internal(std::string("reading store_meta: ") + e.what());
  }
}

base::Status EnsureStoreMeta(SQLite::Database& db, const std::string& site_id, base::Instant now) {
  if (site_id.empty()) return base::InvalidArgument("recording store_meta: site_id is empty");
  try {
    const std::optional<std::string> stored = Get(db, "site_id");
    if (stored) return *stored == site_id ? base::Status::Ok() : SiteMismatch(db, *stored, site_id);
    SQLite::Statement ins(db, "INSERT OR IGNORE INTO store_meta(key, value) VALUES (?, ?)");
    ins.bind(1, "site_id");
    ins.bind(2, site_id);
    ins.exec();
    ins.reset();
    ins.bind(1, "created_at");
    ins.bind(2, base::FormatIso8601(base::Instant::FromSeconds(now.seconds())));
    ins.exec();
  } catch (const SQLite::Exception& e) {
    return base::Internal(std::string("recording store_meta: ") + e.what());
  }
  return base::Status::Ok();
}

base::Status EnsureStoreMeta(Writer& writer, const std::string& site_id, base::Instant now) {
  return writer.Run([&](SQLite::Database& db) { return EnsureStoreMeta(db, site_id, now); });
}

base::Status CheckStoreSite(SQLite::Database& db, const std::string& site_id) {
  auto meta = ReadStoreMeta(db);
  if (!meta.ok()) return meta.status();
  if (!meta->site_id || *meta->site_id == site_id) return base::Status::Ok();
  return SiteMismatch(db, *meta->site_id, site_id);
}

base::Status CheckStoreMetaWellFormed(SQLite::Database& db) {
  auto meta = ReadStoreMeta(db);
  if (!meta.ok()) return meta.status();
  if (meta->site_id && meta->site_id->empty()) return base::Internal("store_meta.site_id is empty");
  if (meta->created_at) {
    auto t = base::ParseIso8601(*meta->created_at);
    if (!t.ok()) return base::Internal("store_meta.created_at is not a time: " + t.status().message());
  }
  if (meta->site_id.has_value() != meta->created_at.has_value()) {
    return base::Internal("store_meta has only one of site_id and created_at");
  }
  return base::Status::Ok();
}

}  // namespace tarifador::store
