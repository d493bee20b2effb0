#pragma once
// A real, throw-away PostgreSQL server for tests and benchmarks: a C++ face
// for tests/test_support/pg_cluster.sh (initdb + pg_ctl in a temp dir on a
// free loopback port; works as root and non-root).
//
//   auto pg = PgCluster::Start();
//   if (!pg) { WARN(PgCluster::skip_reason()); return; }   // binaries absent
//   ... pg->conninfo() ... pg->Stop(); pg->Restart(); ...
// The destructor stops the server and removes its directory.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "test_support/fixtures.h"

namespace tarifador::test_support {

class PgCluster {
 public:
  // Starts a cluster. nullopt when the PostgreSQL binaries are not installed
  // (skip_reason() says so); throws when they are but the server fails.
  // `durable`: fsync on (benchmarks); tests run with fsync off.
  static std::unique_ptr<PgCluster> Start(bool durable = false) {
    std::string out;
    const int rc = Run(std::string("start").append(durable ? " --durable" : ""), &out);
    if (rc == 77) return nullptr;
    if (rc != 0) throw std::runtime_error("pg_cluster.sh start failed (exit " + std::to_string(rc) + "): " + out);
    std::istringstream in(out);
    auto c = std::unique_ptr<PgCluster>(new PgCluster());
    in >> c->dir_ >> c->port_;
    if (c->dir_.empty() || c->port_ == 0) throw std::runtime_error("pg_cluster.sh start printed \"" + out + "\"");
    return c;
  }
  static const char* skip_reason() {
    return "PostgreSQL server binaries (initdb, pg_ctl) not found: install the postgresql package; test skipped";
  }

  ~PgCluster() { Run("destroy " + dir_, nullptr); }
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // libpq connection string to database `dbname` as the superuser.
  std::string conninfo(const std::string& dbname = "postgres") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=tarifador dbname=" + dbname;
  }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  // Fast shutdown (connections are cut), data kept; Restart() brings it back
  // on the same port.
  void Stop() { Check(Run("stop " + dir_, nullptr), "stop"); }
  void Restart() { Check(Run("restart " + dir_, nullptr), "restart"); }

  // Runs SQL through psql and returns its unaligned, tuples-only output
  // without the last newline (handy for counts and checksums).
  std::string Psql(const std::string& sql, const std::string& dbname = "postgres") const {
    std::string bindir;
    Run("bindir", &bindir);
    while (!bindir.empty() && bindir.back() == '\n') bindir.pop_back();
    std::string cmd = bindir + "/psql -X -q -At -v ON_ERROR_STOP=1 \"" + conninfo(dbname) + "\" <<'TARIFADOR_SQL'\n" +
                      sql + "\nTARIFADOR_SQL\n";
    std::string out;
    const int rc = Shell(cmd + " 2>&1", &out);
    if (rc != 0) throw std::runtime_error("psql failed: " + out);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

 private:
  PgCluster() = default;

  static void Check(int rc, const char* what) {
    if (rc != 0) throw std::runtime_error(std::string("pg_cluster.sh ") + what + " failed");
  }
  static int Run(const std::string& args, std::string* out) {
    return Shell("bash " + SourcePath("tests/test_support/pg_cluster.sh") + " " + args, out);
  }
  static int Shell(const std::string& cmd, std::string* out) {
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return -1;
    std::array<char, 4096> buf{};
    size_t n = 0;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) {
      if (out != nullptr) out->append(buf.data(), n);
    }
    const int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string dir_;
  int port_ = 0;
};

}  // namespace tarifador::test_support
