#pragma once
// What route handlers may use. The server builds one Services from the
// dependencies app hands it (ServerDeps in http/server.h) and passes it to
// every handler. Later subsystems (billing, rating, export) add members here;
// a member a handler needs may be null when app has not wired that subsystem
// yet, and the handler then answers 503.
#include <cstdint>
#include <string>

#include "base/time.h"
#include "http/login_throttle.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "store/audit_store.h"
#include "store/user_store.h"

namespace tarifador::http {

// Facts for GET /api/v1/status and the build-info metric, set once by app.
struct StatusInfo {
  std::string version;     // "0.1.0"
  std::string revision;    // git revision or "unknown"
  std::string store_path;  // the SQLite file
  base::Instant started_at;
};

// Borrowed references; everything outlives the server. All members are
// thread-safe, as handlers run on several worker threads at once.
struct Services {
  const base::Clock& clock;
  store::UserStore& users;
  store::AuditStore& audit;
  MetricsRegistry& metrics;
  Readiness& readiness;
  LoginThrottle& throttle;
  const StatusInfo& status;
  bool secure_cookies;     // TLS on: the session cookie gets "Secure"
  int64_t session_ttl_us;  // lifetime of a login session
};

}  // namespace tarifador::http
