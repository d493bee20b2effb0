#include "app/service.h"

#include <filesystem>
#include <system_error>

#include "app/build_info.h"
#include "app/dial_plan_from_config.h"
#include "base/log.h"
#include "base/password.h"
#include "http/rating_handlers.h"
#include "store/rate_plan_store.h"
#include "store/store_meta.h"

namespace tarifador::app {

base::Result<std::unique_ptr<store::Database>> OpenStoreForWriting(const config::Config& cfg) {
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  if (ec) return base::Unavailable("creating data_dir \"" + cfg.data_dir + "\": " + ec.message());
  return store::Database::Open(cfg.StorePath(), store::OpenMode::kReadWrite);
}

namespace {

// Loads every rate plan from the store, compiles them and publishes the book.
// Fails when the store cannot be read or a stored plan does not compile (the
// message names the plan; `tarifador check` inspects the store).
base::Status LoadRateBook(const config::Config& cfg, rating::RateBookHolder& holder) {
  base::Result<std::unique_ptr<store::Database>> db =
      store::Database::Open(cfg.StorePath(), store::OpenMode::kReadOnly);
  if (!db.ok()) return db.status().WithContext("loading rate plans");
  base::Result<std::vector<rating::RatePlan>> plans = store::RatePlanStore(**db).LoadAll();
  if (!plans.ok()) return plans.status();
  size_t rates = 0;
  for (const rating::RatePlan& p : *plans) rates += p.rates.size();
  const size_t count = plans->size();
  base::Result<std::shared_ptr<const rating::RateBook>> book = rating::RateBook::Build(std::move(*plans));
  if (!book.ok()) return book.status().WithContext("loading rate plans");
  holder.Publish(std::move(*book));
  if (count == 0) {
    base::LogWarning(
        "no rate plan yet: import one with `tarifador rates import --plan NAME FILE`; not ready until then");
  } else {
    base::LogInfo("rating: loaded " + std::to_string(count) + " rate plans with " + std::to_string(rates) + " rates");
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<std::unique_ptr<Service>> Service::Start(const config::Config& cfg, const Options& options) {
  auto svc = std::make_unique<Service>(Key{});
  const base::Instant started_at = svc->clock_.Now();
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
  svc->users_ = std::make_unique<store::UserStore>(std::move(*first), svc->clock_);
  base::Result<std::unique_ptr<store::Database>> audit_db =
      store::Database::Open(cfg.StorePath(), store::OpenMode::kReadWrite);
  if (!audit_db.ok()) return audit_db.status();
  svc->audit_ = std::make_unique<store::AuditStore>(std::move(*audit_db), svc->clock_);

  // Rating (SPEC section 2): every plan compiled into the rate book before
  // the server answers, so the first quote never waits for the database.
  base::Result<rating::NumberNormaliser> normaliser = NormaliserFromConfig(cfg);
  if (!normaliser.ok()) return normaliser.status();
  TARIFADOR_RETURN_IF_ERROR(LoadRateBook(cfg, svc->rate_book_));
  svc->rating_ = std::make_unique<http::RatingServices>(svc->rate_book_, std::move(*normaliser),
                                                        cfg.rating.default_plan, *svc->writer_);

  // Readiness (SPEC section 10): store writable and rate plans loaded now;
  // the ESL link registers its check here when it is wired.
  store::UserStore* users = svc->users_.get();
  svc->readiness_.Add("store", [users] { return users->CheckWritable(); });
  http::RegisterRatingProbes(svc->rate_book_, svc->readiness_, svc->metrics_);

  base::Result<int64_t> admins = svc->users_->CountAdmins();
  if (admins.ok() && *admins == 0) {
    base::LogWarning("no admin user yet: run `tarifador user add NAME --role admin` or open the web UI's setup page");
  }

  http::ServerOptions server_options = http::ServerOptions::FromConfig(cfg);
  server_options.tcp_nodelay = options.tcp_nodelay;
  http::StatusInfo status{BuildVersion(), BuildRevision(), cfg.StorePath(), started_at};
  base::Result<std::unique_ptr<http::Server>> server =
      http::Server::Start(server_options, http::ServerDeps{svc->clock_, *svc->users_, *svc->audit_, svc->metrics_,
                                                           svc->readiness_, std::move(status), svc->rating_.get()});
  if (!server.ok()) return server.status();
  svc->server_ = std::move(*server);
  return svc;
}

Service::~Service() { Stop(); }

int Service::http_port() const { return server_ ? server_->port() : 0; }

void Service::Stop() {
  // Reverse order of start: nothing may use the store after the server stops.
  if (server_) server_->Stop();
  if (writer_) writer_->Shutdown();
}

}  // namespace tarifador::app
