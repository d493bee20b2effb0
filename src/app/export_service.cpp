#include "app/export_service.h"

namespace tarifador::app {

ExportService::ExportService(Key, const std::string& store_path)
    : reads_(store_path, 2), query_(reads_), source_(query_) {}

base::Result<std::unique_ptr<ExportService>> ExportService::Start(
    const config::Config& cfg, const base::Clock& clock,
    std::function<std::optional<base::Instant>()> oldest_open_call) {
  exports::SchedulerOptions options;
  options.dir = cfg.ExportDir();
  options.daily = cfg.export_.daily;
  options.monthly = cfg.export_.monthly;
  base::Result<std::vector<exports::Column>> columns = exports::ParseColumns(cfg.export_.columns);
  if (!columns.ok()) return columns.status();
  options.csv.columns = std::move(*columns);
  base::Result<exports::TimeMode> times = exports::ParseTimeMode(cfg.export_.time_zone);
  if (!times.ok()) return times.status();
  options.csv.times = *times;
  options.oldest_open_call = std::move(oldest_open_call);

  auto svc = std::make_unique<ExportService>(Key{}, cfg.StorePath());
  base::Result<std::unique_ptr<store::ExportLog>> log = store::ExportLog::Open(cfg.StorePath());
  if (!log.ok()) return log.status();
  svc->log_ = std::move(*log);
  // Braced, not parenthesised, aggregate init (clang 14 lacks P0960); every
  // member named, or GCC's -Wmissing-field-initializers objects.
  svc->http_ = std::make_unique<http::ExportServices>(http::ExportServices{
      .query = svc->query_, .csv = options.csv, .log = nullptr, .dir = options.dir, .next_due = {}, .last_error = {}});
  svc->scheduler_ = std::make_unique<exports::ExportScheduler>(svc->source_, *svc->log_, clock, options);
  if (options.daily || options.monthly) {
    svc->http_->log = svc->log_.get();
    exports::ExportScheduler* scheduler = svc->scheduler_.get();
    svc->http_->next_due = [scheduler] { return scheduler->state().next_due; };
    svc->http_->last_error = [scheduler] { return scheduler->state().last_error; };
    svc->scheduler_->Start();
  }
  return svc;
}

ExportService::~ExportService() { Stop(); }

void ExportService::Stop() {
  if (scheduler_) scheduler_->Stop();
}

}  // namespace tarifador::app
