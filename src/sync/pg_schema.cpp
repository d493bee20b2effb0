#include "sync/pg_schema.h"

#include <charconv>
#include <string>

namespace tarifador::sync {
namespace {

// An arbitrary constant naming tarifador's schema lock among advisory locks.
constexpr const char* kLockId = "7343190501";

base::Result<int> VersionOf(std::string_view path) {
  int version = 0;
  const auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), version);
  if (ec != std::errc() || end != path.data() + 4 || path.size() < 9 || path[4] != '_' || version < 1) {
    return base::Internal("embedded PostgreSQL schema file \"" + std::string(path) + "\" is not NNNN_name.sql");
  }
  return version;
}

}  // namespace

base::Result<int> PostgresSchemaVersion(PgConnection& pg) {
  auto v = pg.QueryColumn("reading the central schema version",
                          "SELECT coalesce(max(version), 0) FROM tarifador.schema_version");
  if (!v.ok()) return v.status();
  return v->empty() ? 0 : std::stoi(v->front());
}

base::Status EnsurePostgresSchema(PgConnection& pg) {
  TARIFADOR_RETURN_IF_ERROR(pg.Exec("starting the central schema transaction", "BEGIN"));
  base::Status status = [&]() -> base::Status {
    TARIFADOR_RETURN_IF_ERROR(pg.Exec("locking the central schema",
                                      std::string("SELECT pg_advisory_xact_lock(").append(kLockId).append(")")));
    TARIFADOR_RETURN_IF_ERROR(pg.Exec("creating the central schema",
                                      "CREATE SCHEMA IF NOT EXISTS tarifador; "
                                      "CREATE TABLE IF NOT EXISTS tarifador.schema_version ("
                                      "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                                      "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"));
    base::Result<int> current = PostgresSchemaVersion(pg);
    if (!current.ok()) return current.status();
    for (const base::EmbeddedFile& f : EmbeddedPostgresSchema()) {
      base::Result<int> version = VersionOf(f.path);
      if (!version.ok()) return version.status();
      if (*version <= *current) continue;
      const std::string what = "applying central schema " + std::string(f.path);
      TARIFADOR_RETURN_IF_ERROR(pg.Exec(what, std::string(f.data)));
      TARIFADOR_RETURN_IF_ERROR(pg.ExecParams(what,
                                              "INSERT INTO tarifador.schema_version(version, name) VALUES ($1, $2)",
                                              {std::to_string(*version), std::string(f.path)}));
    }
    return pg.Exec("committing the central schema", "COMMIT");
  }();
  if (!status.ok()) (void)pg.Exec("rolling back the central schema", "ROLLBACK");
  return status;
}

}  // namespace tarifador::sync
