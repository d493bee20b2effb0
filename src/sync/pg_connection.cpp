#include "sync/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>

namespace tarifador::sync {
namespace {

// libpq's messages end with a newline; ours do not.
std::string Trim(const char* message) {
  std::string s = message == nullptr ? "" : message;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

base::Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo) {
  // expand_dbname: "dbname" carries the whole string; keywords listed before
  // it are defaults the string may override.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "tarifador-mirror", conninfo.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr) return base::Unavailable("connecting to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = Trim(PQerrorMessage(conn));
    PQfinish(conn);
    return base::Unavailable("connecting to PostgreSQL: " + message);
  }
  // "NOTICE: relation already exists, skipping" and friends are expected
  // (idempotent schema creation), not news for stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::make_unique<PgConnection>(Key{}, conn);
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

base::Status PgConnection::Check(std::string_view what, PGresult* res, std::vector<std::string>* column) {
  const ExecStatusType st = res == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(res);
  base::Status status;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    if (column != nullptr && st == PGRES_TUPLES_OK) {
      const int n = PQntuples(res);
      for (int i = 0; i < n; ++i) column->emplace_back(PQgetvalue(res, i, 0));
    }
  } else {
    std::string message = Trim(res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
    if (message.empty()) message = Trim(PQerrorMessage(conn_));
    std::string text = std::string(what).append(": ").append(message);
    status = healthy() ? base::Internal(std::move(text)) : base::Unavailable(std::move(text));
  }
  PQclear(res);
  return status;
}

base::Status PgConnection::Exec(std::string_view what, const std::string& sql) {
  return Check(what, PQexec(conn_, sql.c_str()), nullptr);
}

base::Status PgConnection::ExecParams(std::string_view what, const std::string& sql,
                                      const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  return Check(
      what,
      PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0),
      nullptr);
}

base::Status PgConnection::CopyIn(std::string_view what, const std::string& copy_sql, std::string_view data) {
  PGresult* start = PQexec(conn_, copy_sql.c_str());
  if (start == nullptr || PQresultStatus(start) != PGRES_COPY_IN) return Check(what, start, nullptr);
  PQclear(start);
  // Blocking connection: each call returns once libpq buffered or sent the
  // data; chunks keep the int length in range whatever the batch size.
  constexpr size_t kChunk = size_t{1} << 20;
  bool sent = true;
  for (size_t at = 0; sent && at < data.size(); at += kChunk) {
    const size_t n = std::min(kChunk, data.size() - at);
    sent = PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) == 1;
  }
  // On a failed send, end the COPY with an error so the server abandons it.
  const int ended = PQputCopyEnd(conn_, sent ? nullptr : "tarifador: sending COPY data failed");
  // The COPY's own result (and, after a failure, whatever follows) must be
  // read until NULL before the connection takes another command.
  base::Status status;
  bool got_result = false;
  while (PGresult* res = PQgetResult(conn_)) {
    got_result = true;
    base::Status st = Check(what, res, nullptr);
    if (status.ok()) status = std::move(st);  // the first failure tells why
  }
  if (status.ok() && (!sent || ended != 1 || !got_result)) {
    std::string text = std::string(what).append(": ").append(Trim(PQerrorMessage(conn_)));
    status = healthy() ? base::Internal(std::move(text)) : base::Unavailable(std::move(text));
  }
  return status;
}

base::Result<std::vector<std::string>> PgConnection::QueryColumn(std::string_view what, const std::string& sql,
                                                                 const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  std::vector<std::string> column;
  TARIFADOR_RETURN_IF_ERROR(Check(
      what,
      PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0),
      &column));
  return column;
}

}  // namespace tarifador::sync
