#include "app/mirror_service.h"

#include "app/site_id.h"
#include "base/log.h"
#include "config/settings_table.h"
#include "store/outbox_store.h"
#ifdef TARIFADOR_HAVE_POSTGRES
#include "sync/mirror_worker.h"
#else
namespace tarifador::sync {
// Only its destructor is needed without libpq, and it is never created.
class MirrorWorker {};
}  // namespace tarifador::sync
#endif

namespace tarifador::app {

base::Result<std::unique_ptr<MirrorService>> MirrorService::Start(const config::Config& cfg, store::Writer& writer,
                                                                  [[maybe_unused]] const base::Clock& clock,
                                                                  [[maybe_unused]] http::MetricsRegistry& metrics) {
  auto svc = std::make_unique<MirrorService>();
  if (!cfg.postgres.enabled) {
    TARIFADOR_RETURN_IF_ERROR(store::SetOutboxEnabled(writer, false));
    return svc;
  }
#ifndef TARIFADOR_HAVE_POSTGRES
  return base::FailedPrecondition(
      "postgres.enabled is true but this tarifador was built without PostgreSQL support (libpq not found or "
      "-DTARIFADOR_POSTGRES=OFF); set postgres.enabled to false or use a build with libpq");
#else
  sync::MirrorOptions options;
  options.conninfo = cfg.postgres.conninfo;
  options.site_id = SiteIdOf(cfg);
  options.batch_rows = cfg.postgres.batch_rows;
  options.retry_max = std::chrono::seconds(cfg.postgres.retry_max_seconds);
  auto worker = sync::MirrorWorker::Start(writer, clock, std::move(options));
  if (!worker.ok()) return worker.status();
  svc->worker_ = std::move(*worker);
  base::LogInfo("mirror: pushing to PostgreSQL " + config::MaskConninfo(cfg.postgres.conninfo) + " as site \"" +
                SiteIdOf(cfg) + "\"");
  sync::MirrorWorker* w = svc->worker_.get();
  metrics.AddProvider([w](http::MetricsWriter& out) {
    const sync::MirrorStats st = w->stats();
    out.Gauge("tarifador_mirror_backlog", "Outbox rows not yet committed in the central PostgreSQL", {}, st.backlog);
    out.Counter("tarifador_mirror_rows_pushed_total", "Outbox rows committed in the central PostgreSQL", {},
                st.rows_pushed);
    out.Gauge("tarifador_mirror_last_success_timestamp_seconds",
              "Unix time of the mirror's last successful round (0: never)", {}, st.last_success.micros() / 1'000'000);
    out.Counter("tarifador_mirror_errors_total", "Failed mirror attempts (PostgreSQL down, network, store)", {},
                st.errors);
  });
  return svc;
#endif
}

MirrorService::~MirrorService() { Stop(); }

void MirrorService::Stop() {
#ifdef TARIFADOR_HAVE_POSTGRES
  if (worker_) worker_->Stop();
#endif
}

http::MirrorInfo MirrorService::info() const {
  http::MirrorInfo info;
#ifdef TARIFADOR_HAVE_POSTGRES
  if (!worker_) return info;
  const sync::MirrorStats st = worker_->stats();
  info.enabled = true;
  info.backlog = st.backlog;
  info.oldest_pending = st.oldest_pending;
  info.last_success = st.last_success;
  info.last_error = st.last_error;
  info.last_error_at = st.last_error_at;
  info.rows_pushed = st.rows_pushed;
#endif
  return info;
}

}  // namespace tarifador::app
