#pragma once
// The central schema (sql/postgres/NNNN_name.sql, embedded in the binary):
// created or brought forward by the sync worker each time it connects.
#include <span>

#include "base/embedded_file.h"
#include "base/status.h"
#include "sync/pg_connection.h"

namespace tarifador::sync {

// The sql/postgres/*.sql files compiled into this binary, sorted (generated).
std::span<const base::EmbeddedFile> EmbeddedPostgresSchema();

// In one PostgreSQL transaction, under an advisory lock (many boxes may
// connect at once): creates schema "tarifador" and its schema_version table
// if absent, then applies every embedded file whose number is above the
// recorded version. Idempotent. A database already at a newer version is
// accepted (later versions only add). Fails as PgConnection::Exec does, or
// Internal for a badly named embedded file.
base::Status EnsurePostgresSchema(PgConnection& pg);

// The highest version recorded in tarifador.schema_version (0: none).
base::Result<int> PostgresSchemaVersion(PgConnection& pg);

}  // namespace tarifador::sync
