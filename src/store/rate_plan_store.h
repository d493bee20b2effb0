#pragma once
// Rate plans and their rates in SQLite (sql/0002_rating.sql; SPEC section 2).
//
// A deck import replaces all of a plan's rates in one transaction, with its
// audit row, so the store holds either the old deck or the new one, never a
// mix (all-or-nothing, STYLE.md habit 12). At start the server loads every
// plan and compiles it into rating::RateBook; lookups never come back here.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "rating/rate.h"
#include "rating/rate_plan.h"
#include "store/database.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

// Who made a change and when, for the audit row written with it.
struct ChangeOrigin {
  std::string actor;  // "cli", "user:alice", "token:dialplan"
  base::Instant at;
};

// A plan's settings and size, without its rates.
struct RatePlanInfo {
  std::string name;
  int decimals = rating::kDefaultDecimals;
  rating::RoundingMode rounding = rating::RoundingMode::kUp;
  int64_t rate_count = 0;
  base::Instant created_at;
  base::Instant updated_at;
};

// A change to a plan's rounding policy; unset fields keep their value (or
// the default, 4 and up, for a new plan).
struct PlanSettingsUpdate {
  std::optional<int> decimals;  // 0..rating::kMaxDecimals
  std::optional<rating::RoundingMode> rounding;
  bool empty() const { return !decimals && !rounding; }
};

// The change behind RatePlanStore::ReplaceRates, for a store::Writer job: it
// runs inside the caller's transaction and neither begins nor commits. Creates
// the plan (decimals 4, rounding up) when it does not exist, applies
// `settings`, deletes the plan's rates, inserts `rates` and appends a
// "rates.import" audit row. Fails with InvalidArgument on a bad plan name,
// bad settings or a rate failing rating::ValidateRate (before writing
// anything), Unavailable on an SQLite error; the caller must then roll back.
base::Status ReplaceRatesIn(SQLite::Database& db, std::string_view plan, std::span<const rating::Rate> rates,
                            const ChangeOrigin& origin, const PlanSettingsUpdate& settings = {});

// Replaces the rates of one prefix of an existing plan with `rates` (empty:
// deletes them) inside the caller's transaction, with an audit row `action`
// ("rate.put", "rate.delete") naming the plan and prefix: the rate editor's
// write (PUT/DELETE /api/v1/rate-plans/{name}/rates/{prefix}). Every rate
// must have that prefix and pass rating::ValidateRate (InvalidArgument,
// nothing written). NotFound when the plan does not exist. Returns how many
// rates it removed. Unavailable on an SQLite error; the caller rolls back.
base::Result<int64_t> ReplacePrefixRatesIn(SQLite::Database& db, std::string_view plan, std::string_view prefix,
                                           std::span<const rating::Rate> rates, const ChangeOrigin& origin,
                                           std::string_view action);

// Applies `settings` to a plan inside the caller's transaction, creating the
// plan when missing, with a "rate_plan.settings" audit row. Fails like
// ReplaceRatesIn.
base::Status SetPlanSettingsIn(SQLite::Database& db, std::string_view plan, const PlanSettingsUpdate& settings,
                               const ChangeOrigin& origin);

// One plan's settings and rate count, read on the caller's connection (inside
// its transaction, e.g. a Writer job right after ReplaceRatesIn, so it sees
// that job's changes). NotFound `no rate plan "retail"` when missing;
// Unavailable on an SQLite error; Internal when a stored setting is corrupt.
base::Result<RatePlanInfo> PlanInfoIn(SQLite::Database& db, std::string_view plan);

// Rate plan reads and whole-transaction writes on one borrowed connection.
// Not thread-safe: like Database, use it from one thread at a time.
class RatePlanStore {
 public:
  // Borrows `db`, which must outlive the store.
  explicit RatePlanStore(Database& db) : db_(db) {}

  // ReplaceRatesIn inside its own IMMEDIATE transaction: on any failure
  // nothing changes and the previous rates and settings stay.
  base::Status ReplaceRates(std::string_view plan, std::span<const rating::Rate> rates, const ChangeOrigin& origin,
                            const PlanSettingsUpdate& settings = {});

  // SetPlanSettingsIn inside its own transaction.
  base::Status SetPlanSettings(std::string_view plan, const PlanSettingsUpdate& settings, const ChangeOrigin& origin);

  // Every plan with its rates, ordered by name (rates by prefix). Fails with
  // Unavailable on an SQLite error and Internal when a stored row breaks the
  // rate invariants (naming the plan and row id).
  base::Result<std::vector<rating::RatePlan>> LoadAll();

  // One plan with its rates. NotFound `no rate plan "retail"` when missing.
  base::Result<rating::RatePlan> Load(std::string_view plan);

  // Every plan's settings and rate count, ordered by name.
  base::Result<std::vector<RatePlanInfo>> ListPlans();

 private:
  Database& db_;
};

}  // namespace tarifador::store
