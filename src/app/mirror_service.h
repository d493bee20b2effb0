#pragma once
// The PostgreSQL mirror as app wires it (docs/MIRROR.md): the sync worker
// when postgres.enabled, its /metrics and status figures. Keeps the
// "built without libpq" case in one place.
#include <memory>

#include "base/status.h"
#include "base/time.h"
#include "config/config.h"
#include "http/metrics_registry.h"
#include "http/services.h"
#include "store/writer.h"

namespace tarifador::sync {
class MirrorWorker;
}

namespace tarifador::app {

class MirrorService {
 public:
  // postgres.enabled: starts the worker (outbox queuing on) and registers
  // the tarifador_mirror_* metrics. Otherwise turns queuing off (and empties
  // the outbox). Fails with FailedPrecondition when enabled in a binary built
  // without libpq, or as sync::MirrorWorker::Start does. Borrows everything;
  // it must all outlive the service (and `metrics` must not render after it
  // is destroyed).
  static base::Result<std::unique_ptr<MirrorService>> Start(const config::Config& cfg, store::Writer& writer,
                                                            const base::Clock& clock, http::MetricsRegistry& metrics);
  ~MirrorService();  // Stop()s
  MirrorService(const MirrorService&) = delete;
  MirrorService& operator=(const MirrorService&) = delete;

  // The status API's view. Thread-safe.
  http::MirrorInfo info() const;

  // Stops the worker. Idempotent.
  void Stop();

  MirrorService() = default;

 private:
  std::unique_ptr<sync::MirrorWorker> worker_;  // null when disabled
};

}  // namespace tarifador::app
