#include "app/service.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "app/billing_from_config.h"
#include "app/build_info.h"
#include "app/dial_plan_from_config.h"
#include "app/rate_book_loading.h"
#include "app/settings_json.h"
#include "base/log.h"
#include "base/password.h"
#include "base/private_files.h"
#include "config/settings_table.h"
#include "http/rating_handlers.h"
#include "store/rate_plan_store.h"
#include "store/store_meta.h"

namespace tarifador::app {

base::Result<std::unique_ptr<store::Database>> OpenStoreForWriting(const config::Config& cfg) {
  TARIFADOR_RETURN_IF_ERROR(base::EnsurePrivateDir(cfg.data_dir).WithContext("data_dir"));
  return store::Database::Open(cfg.StorePath(), store::OpenMode::kReadWrite);
}

base::Result<std::unique_ptr<Service>> Service::Start(const config::Config& cfg, const Options& options) {
  auto svc = std::make_unique<Service>(Key{});
  if (options.clock != nullptr) svc->clock_ = options.clock;
  if (options.steady_clock != nullptr) {
    svc->steady_ = options.steady_clock;
  } else if (options.clock != nullptr) {
    svc->own_steady_ = std::make_unique<base::SteadyFromClock>(*options.clock);
    svc->steady_ = svc->own_steady_.get();
  }
  const base::Instant started_at = svc->clock_->Now();
  // Fail at start, not at the first login, if the crypto library cannot work.
  TARIFADOR_RETURN_IF_ERROR(base::InitCrypto());

  // The store: the writer thread opens (and migrates) it first, so the other
  // connections below find the current schema.
  base::Result<std::unique_ptr<store::Database>> first = OpenStoreForWriting(cfg);
  if (!first.ok()) return first.status();
  base::Result<std::unique_ptr<store::Writer>> writer = store::Writer::Start(cfg.StorePath());
  if (!writer.ok()) return writer.status();
  svc->writer_ = std::move(*writer);
  if (!cfg.site_id.empty()) {
    // A store keeps the site id it was created under (head office keys rows by it).
    TARIFADOR_RETURN_IF_ERROR(store::EnsureStoreMeta(*svc->writer_, cfg.site_id, started_at));
  }
  svc->users_ = std::make_unique<store::UserStore>(std::move(*first), *svc->clock_);
  svc->users_->UseWriter(svc->writer_.get());  // token last uses: queued, never waited on
  base::Result<std::unique_ptr<store::Database>> audit_db =
      store::Database::Open(cfg.StorePath(), store::OpenMode::kReadWrite);
  if (!audit_db.ok()) return audit_db.status();
  svc->audit_ = std::make_unique<store::AuditStore>(std::move(*audit_db), *svc->clock_);

  // Rating (SPEC section 2): every plan compiled into the rate book before
  // the server answers, so the first quote never waits for the database.
  base::Result<rating::NumberNormaliser> normaliser = NormaliserFromConfig(cfg);
  if (!normaliser.ok()) return normaliser.status();
  TARIFADOR_RETURN_IF_ERROR(LoadRateBook(cfg, svc->rate_book_));
  svc->rating_ = std::make_unique<http::RatingServices>(svc->rate_book_, std::move(*normaliser),
                                                        cfg.rating.default_plan, *svc->writer_);

  // Call billing (SPEC sections 3-4): the billing thread and the FreeSWITCH
  // link, which registers the "freeswitch" readiness check.
  base::Result<std::unique_ptr<CallBilling>> billing = CallBilling::Start(
      cfg, *svc->writer_, svc->rate_book_, *svc->clock_, *svc->steady_, svc->metrics_, svc->readiness_, &svc->events_);
  if (!billing.ok()) return billing.status();
  svc->billing_ = std::move(*billing);

  // The PostgreSQL mirror (SPEC section 6): its own thread; a down server
  // never delays start.
  base::Result<std::unique_ptr<MirrorService>> mirror =
      MirrorService::Start(cfg, *svc->writer_, *svc->clock_, svc->metrics_);
  if (!mirror.ok()) return mirror.status();
  svc->mirror_ = std::move(*mirror);

  // The CSV export (SPEC section 6): the scheduler thread; a period waits
  // for the calls of it still up (their CDRs are filed under their start).
  CallBilling* calls = svc->billing_.get();
  base::Result<std::unique_ptr<ExportService>> exporter =
      ExportService::Start(cfg, *svc->clock_, [calls]() -> std::optional<base::Instant> {
        std::optional<base::Instant> oldest;
        auto active = calls->services().active_calls();
        if (!active.ok()) {
          // Not knowing which calls are up, hold every period back.
          base::LogWarning("export: " + active.status().message() + "; periods wait");
          return base::Instant::FromMicros(0);
        }
        for (const auto& call : *active) {
          const base::Instant created = base::Instant::FromMicros(call.created_us);
          if (!oldest || created < *oldest) oldest = created;
        }
        return oldest;
      });
  if (!exporter.ok()) return exporter.status();
  svc->export_ = std::move(*exporter);

  // CDR retention (SPEC section 5): prunes old CDRs once exported and
  // mirrored, at start and daily, through the writer in bounded chunks.
  svc->retention_ = RetentionService::Start(cfg, *svc->writer_, *svc->clock_, svc->metrics_);

  // Alerts no transaction raises (docs/ALERTS.md): the FreeSWITCH link down,
  // the mirror behind, a spike of calls or spend.
  AlertWatch::Options watch_options;
  watch_options.spike = SpikeOptionsFromConfig(cfg);
  svc->alert_watch_ = std::make_unique<AlertWatch>(
      *svc->writer_, *svc->clock_, [b = svc->billing_.get()] { return b->esl_client().status(); }, watch_options);
  if (svc->mirror_) svc->alert_watch_->WatchMirror([m = svc->mirror_.get()] { return m->info(); });
  svc->alert_watch_->Start();
  // Alerts to people (docs/ALERTS.md "Delivery"): e-mail and webhooks.
  svc->alert_delivery_ = AlertDelivery::Start(cfg, svc->billing_->alert_outbox(), *svc->clock_, *svc->steady_);

  // Readiness (SPEC section 10): store writable, rate plans loaded, ESL link up.
  // The store probe goes through the writer's queue: /readyz never takes a
  // lock the authorize path needs.
  store::Writer* store_writer = svc->writer_.get();
  svc->readiness_.Add("store", [store_writer] { return store_writer->CheckWritable(std::chrono::seconds(1)); });
  http::RegisterRatingProbes(svc->rate_book_, svc->readiness_, svc->metrics_);

  for (const std::string& warning : config::SecurityWarnings(cfg)) base::LogWarning(warning);
  base::Result<int64_t> admins = svc->users_->CountAdmins();
  if (admins.ok() && *admins == 0) {
    base::LogWarning("no admin user yet: run `tarifador user add NAME --role admin` or open the web UI's setup page");
  }

  http::ServerOptions server_options = http::ServerOptions::FromConfig(cfg);
  // A generated certificate names the box as the office reaches it.
  char hostname[256] = {};
  if (::gethostname(hostname, sizeof hostname - 1) == 0 && hostname[0] != '\0') {
    server_options.tls_host_names.emplace_back(hostname);
  }
  http::StatusInfo status{BuildVersion(), BuildRevision(), cfg.StorePath(), started_at, nullptr};
  status.mirror = [m = svc->mirror_.get()] { return m->info(); };
  status.retention = [r = svc->retention_.get()] { return r->info(); };
  http::ServerDeps deps{*svc->clock_,    *svc->users_,      *svc->audit_,       svc->metrics_,
                        svc->readiness_, std::move(status), svc->rating_.get(), &svc->billing_->services()};
  deps.exports = &svc->export_->http();
  // The live event stream and the settings page.
  svc->live_ = std::make_unique<http::LiveServices>(
      http::LiveServices{[settings = EffectiveSettingsJson(cfg)] { return settings; }, cfg.data_dir});
  deps.events = &svc->events_;
  deps.live = svc->live_.get();
  base::Result<std::unique_ptr<http::Server>> server = http::Server::Start(server_options, std::move(deps));
  if (!server.ok()) return server.status();
  svc->server_ = std::move(*server);
  return svc;
}

Service::~Service() { Stop(); }

int Service::http_port() const { return server_ ? server_->port() : 0; }

void Service::Stop() {
  // Reverse order of start: nothing may use the store after the server stops.
  if (server_) server_->Stop();
  if (alert_watch_) alert_watch_->Stop();        // before billing: it reads the link's status
  if (alert_delivery_) alert_delivery_->Stop();  // before the writer: it marks deliveries through it
  if (billing_) billing_->Stop();
  if (retention_) retention_->Stop();  // before the writer: it deletes through it
  if (export_) export_->Stop();
  if (mirror_) mirror_->Stop();  // before the writer: it deletes pushed rows through it
  if (writer_) writer_->Shutdown();
}

}  // namespace tarifador::app
