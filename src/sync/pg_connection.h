#pragma once
// One libpq connection to the central PostgreSQL (docs/MIRROR.md). Owns the
// PGconn; used by one thread at a time (the sync worker, or a test).
// Errors never contain the connection string: a password must not reach a
// log or the status page.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct pg_conn;
struct pg_result;

namespace tarifador::sync {

class PgConnection {
 public:
  // Connects with `conninfo` (keyword string or postgresql:// URI); a
  // connect_timeout of 10 s applies unless the string sets its own. Fails
  // with Unavailable carrying libpq's message.
  static base::Result<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (one or more statements, no parameters, results discarded).
  // Fails with Unavailable when the connection broke, Internal otherwise,
  // naming `what`.
  base::Status Exec(std::string_view what, const std::string& sql);
  // Runs one statement with text parameters. Same failures.
  base::Status ExecParams(std::string_view what, const std::string& sql, const std::vector<std::string>& params);
  // Runs `copy_sql` (a COPY ... FROM STDIN, text format) and sends `data`
  // (complete rows, COPY text format) as its input. Same failures; a server
  // refusing the data fails the COPY and, inside a transaction, aborts it.
  base::Status CopyIn(std::string_view what, const std::string& copy_sql, std::string_view data);
  // Runs one query and returns the first column of every row as text (NULL
  // as ""). Same failures.
  base::Result<std::vector<std::string>> QueryColumn(std::string_view what, const std::string& sql,
                                                     const std::vector<std::string>& params = {});

  // False once libpq saw the connection break.
  bool healthy() const;

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  PgConnection(Key, pg_conn* conn) : conn_(conn) {}

 private:
  base::Status Check(std::string_view what, pg_result* res, std::vector<std::string>* column);
  pg_conn* conn_;
};

}  // namespace tarifador::sync
