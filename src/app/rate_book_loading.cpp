#include "app/rate_book_loading.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "store/database.h"
#include "store/rate_plan_store.h"

namespace tarifador::app {

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

}  // namespace tarifador::app
