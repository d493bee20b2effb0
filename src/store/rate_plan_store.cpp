#include "store/rate_plan_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <map>

#include "base/strings.h"
#include "store/audit_store.h"

namespace tarifador::store {
namespace {

using base::Quoted;

constexpr const char* kRateColumns =
    "prefix, zone, price_per_minute_micros, connection_fee_micros, initial_increment_s, increment_s, "
    "min_duration_s, grace_s, priority, effective_from_us, effective_to_us, blocked";

constexpr const char* kPlanInfoSelect =
    "SELECT p.name, p.decimals, p.rounding, p.created_us, p.updated_us, "
    "(SELECT count(*) FROM rates r WHERE r.plan_id = p.id) FROM rate_plans p";

// A row of kPlanInfoSelect. Throws SQLite::Exception.
base::Result<RatePlanInfo> ReadPlanInfo(SQLite::Statement& st) {
  RatePlanInfo info;
  info.name = st.getColumn(0).getString();
  info.decimals = st.getColumn(1).getInt();
  auto mode = rating::ParseRoundingMode(st.getColumn(2).getString());
  if (!mode.ok()) return base::Internal("plan " + Quoted(info.name) + ": stored " + mode.status().message());
  info.rounding = *mode;
  info.created_at = base::Instant::FromMicros(st.getColumn(3).getInt64());
  info.updated_at = base::Instant::FromMicros(st.getColumn(4).getInt64());
  info.rate_count = st.getColumn(5).getInt64();
  return info;
}

// The plan's id, creating it with the default settings when missing.
int64_t EnsurePlan(SQLite::Database& db, std::string_view plan, base::Instant now, bool* created) {
  SQLite::Statement find(db, "SELECT id FROM rate_plans WHERE name = ?");
  find.bind(1, std::string(plan));
  if (find.executeStep()) {
    *created = false;
    return find.getColumn(0).getInt64();
  }
  SQLite::Statement insert(db, "INSERT INTO rate_plans(name, created_us, updated_us) VALUES (?, ?, ?)");
  insert.bind(1, std::string(plan));
  insert.bind(2, static_cast<int64_t>(now.micros()));
  insert.bind(3, static_cast<int64_t>(now.micros()));
  insert.exec();
  *created = true;
  return db.getLastInsertRowid();
}

base::Status CheckPlanChange(std::string_view plan, const PlanSettingsUpdate& settings) {
  TARIFADOR_RETURN_IF_ERROR(rating::ValidatePlanName(plan));
  if (settings.decimals && (*settings.decimals < 0 || *settings.decimals > rating::kMaxDecimals)) {
    return base::InvalidArgument("decimals " + std::to_string(*settings.decimals) + " is not between 0 and " +
                                 std::to_string(rating::kMaxDecimals));
  }
  return base::Status::Ok();
}

// Writes the set fields of `settings` with their audit row. Throws SQLite::Exception.
void ApplySettings(SQLite::Database& db, int64_t plan_id, std::string_view plan, const PlanSettingsUpdate& settings,
                   const ChangeOrigin& origin) {
  SQLite::Statement st(db,
                       "UPDATE rate_plans SET decimals = coalesce(?, decimals), rounding = coalesce(?, rounding), "
                       "updated_us = ? WHERE id = ?");
  if (settings.decimals) {
    st.bind(1, *settings.decimals);
  } else {
    st.bind(1);
  }
  if (settings.rounding) {
    st.bind(2, rating::RoundingModeName(*settings.rounding));
  } else {
    st.bind(2);
  }
  st.bind(3, static_cast<int64_t>(origin.at.micros()));
  st.bind(4, plan_id);
  st.exec();
  const std::string decimals = settings.decimals ? std::to_string(*settings.decimals) : "";
  const std::string rounding = settings.rounding ? rating::RoundingModeName(*settings.rounding) : "";
  AppendAuditRow(db, AuditEntry{0, origin.at, origin.actor, "rate_plan.settings", "rate_plan:" + std::string(plan),
                                AuditDetail({{"decimals", decimals}, {"rounding", rounding}})});
}

// Reads the rate columns (kRateColumns order, starting at column `first`).
base::Result<rating::Rate> ReadRate(SQLite::Statement& st, int first, std::string_view plan) {
  rating::Rate r;
  const std::string prefix = st.getColumn(first).getString();
  auto parsed = rating::Prefix::Parse(prefix);
  if (!parsed.ok()) {
    return base::Internal("plan " + Quoted(plan) + ": stored " + parsed.status().message());
  }
  r.prefix = std::move(*parsed);
  r.zone = st.getColumn(first + 1).getString();
  r.price_per_minute = base::Money::FromMicros(st.getColumn(first + 2).getInt64());
  r.connection_fee = base::Money::FromMicros(st.getColumn(first + 3).getInt64());
  r.initial_increment_s = st.getColumn(first + 4).getInt();
  r.increment_s = st.getColumn(first + 5).getInt();
  r.min_duration_s = st.getColumn(first + 6).getInt();
  r.grace_s = st.getColumn(first + 7).getInt();
  r.priority = st.getColumn(first + 8).getInt();
  r.effective_from = base::Instant::FromMicros(st.getColumn(first + 9).getInt64());
  if (!st.getColumn(first + 10).isNull()) {
    r.effective_to = base::Instant::FromMicros(st.getColumn(first + 10).getInt64());
  }
  r.blocked = st.getColumn(first + 11).getInt() != 0;
  base::Status valid = rating::ValidateRate(r);
  if (!valid.ok()) {
    return base::Internal("plan " + Quoted(plan) + ": stored rate for prefix " + Quoted(prefix) + ": " +
                          valid.message());
  }
  return r;
}

// One prepared statement reused for every row: parsing the SQL once is most
// of what makes 100 000 rows take a fraction of a second. Throws
// SQLite::Exception (callers convert).
void InsertRates(SQLite::Database& db, int64_t plan_id, std::span<const rating::Rate> rates) {
  SQLite::Statement insert(db, std::string("INSERT INTO rates(plan_id, ") + kRateColumns +
                                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const rating::Rate& r : rates) {
    insert.bind(1, plan_id);
    insert.bind(2, r.prefix.digits());
    insert.bind(3, r.zone);
    insert.bind(4, static_cast<int64_t>(r.price_per_minute.micros()));
    insert.bind(5, static_cast<int64_t>(r.connection_fee.micros()));
    insert.bind(6, r.initial_increment_s);
    insert.bind(7, r.increment_s);
    insert.bind(8, r.min_duration_s);
    insert.bind(9, r.grace_s);
    insert.bind(10, r.priority);
    insert.bind(11, static_cast<int64_t>(r.effective_from.micros()));
    if (r.effective_to) {
      insert.bind(12, static_cast<int64_t>(r.effective_to->micros()));
    } else {
      insert.bind(12);  // NULL: open-ended
    }
    insert.bind(13, r.blocked ? 1 : 0);
    insert.exec();
    insert.reset();
  }
}

}  // namespace

base::Status ReplaceRatesIn(SQLite::Database& db, std::string_view plan, std::span<const rating::Rate> rates,
                            const ChangeOrigin& origin, const PlanSettingsUpdate& settings) {
  const std::string context = "importing plan " + Quoted(plan);
  TARIFADOR_RETURN_IF_ERROR(CheckPlanChange(plan, settings).WithContext(context));
  for (const rating::Rate& r : rates) {
    base::Status s = rating::ValidateRate(r);
    if (!s.ok()) return s.WithContext(context + ": prefix " + Quoted(r.prefix.digits()));
  }
  try {
    bool created = false;
    const int64_t plan_id = EnsurePlan(db, plan, origin.at, &created);
    if (!settings.empty()) ApplySettings(db, plan_id, plan, settings, origin);
    SQLite::Statement del(db, "DELETE FROM rates WHERE plan_id = ?");
    del.bind(1, plan_id);
    const int removed = del.exec();
    InsertRates(db, plan_id, rates);
    SQLite::Statement touch(db, "UPDATE rate_plans SET updated_us = ? WHERE id = ?");
    touch.bind(1, static_cast<int64_t>(origin.at.micros()));
    touch.bind(2, plan_id);
    touch.exec();
    const std::string count = std::to_string(rates.size());
    const std::string replaced = std::to_string(removed);
    AppendAuditRow(
        db, AuditEntry{
                0, origin.at, origin.actor, "rates.import", "rate_plan:" + std::string(plan),
                AuditDetail({{"rates", count}, {"replaced", replaced}, {"created_plan", created ? "true" : "false"}})});
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(context + ": " + e.what());
  }
  return base::Status::Ok();
}

base::Result<int64_t> ReplacePrefixRatesIn(SQLite::Database& db, std::string_view plan, std::string_view prefix,
                                           std::span<const rating::Rate> rates, const ChangeOrigin& origin,
                                           std::string_view action) {
  const std::string context = "changing prefix " + Quoted(prefix) + " of plan " + Quoted(plan);
  for (const rating::Rate& r : rates) {
    if (r.prefix.digits() != prefix)
      return base::InvalidArgument(context + ": a rate for prefix " + Quoted(r.prefix.digits()));
    base::Status s = rating::ValidateRate(r);
    if (!s.ok()) return s.WithContext(context);
  }
  try {
    SQLite::Statement find(db, "SELECT id FROM rate_plans WHERE name = ?");
    find.bind(1, std::string(plan));
    if (!find.executeStep()) return base::NotFound("no rate plan " + Quoted(plan));
    const int64_t plan_id = find.getColumn(0).getInt64();
    SQLite::Statement del(db, "DELETE FROM rates WHERE plan_id = ? AND prefix = ?");
    del.bind(1, plan_id);
    del.bind(2, std::string(prefix));
    const int removed = del.exec();
    InsertRates(db, plan_id, rates);
    SQLite::Statement touch(db, "UPDATE rate_plans SET updated_us = ? WHERE id = ?");
    touch.bind(1, static_cast<int64_t>(origin.at.micros()));
    touch.bind(2, plan_id);
    touch.exec();
    AppendAuditRow(db, AuditEntry{0, origin.at, origin.actor, std::string(action), "rate_plan:" + std::string(plan),
                                  AuditDetail({{"prefix", prefix},
                                               {"rates", std::to_string(rates.size())},
                                               {"replaced", std::to_string(removed)}})});
    return static_cast<int64_t>(removed);
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(context + ": " + e.what());
  }
}

base::Status SetPlanSettingsIn(SQLite::Database& db, std::string_view plan, const PlanSettingsUpdate& settings,
                               const ChangeOrigin& origin) {
  const std::string context = "setting plan " + Quoted(plan);
  TARIFADOR_RETURN_IF_ERROR(CheckPlanChange(plan, settings).WithContext(context));
  try {
    bool created = false;
    const int64_t plan_id = EnsurePlan(db, plan, origin.at, &created);
    ApplySettings(db, plan_id, plan, settings, origin);
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(context + ": " + e.what());
  }
  return base::Status::Ok();
}

base::Status RatePlanStore::ReplaceRates(std::string_view plan, std::span<const rating::Rate> rates,
                                         const ChangeOrigin& origin, const PlanSettingsUpdate& settings) {
  try {
    SQLite::Transaction tx(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
    TARIFADOR_RETURN_IF_ERROR(ReplaceRatesIn(db_.sql(), plan, rates, origin, settings));  // tx rolls back
    tx.commit();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable("importing plan " + Quoted(plan) + ": " + e.what());
  }
  return base::Status::Ok();
}

base::Status RatePlanStore::SetPlanSettings(std::string_view plan, const PlanSettingsUpdate& settings,
                                            const ChangeOrigin& origin) {
  try {
    SQLite::Transaction tx(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
    TARIFADOR_RETURN_IF_ERROR(SetPlanSettingsIn(db_.sql(), plan, settings, origin));
    tx.commit();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable("setting plan " + Quoted(plan) + ": " + e.what());
  }
  return base::Status::Ok();
}

base::Result<std::vector<rating::RatePlan>> RatePlanStore::LoadAll() {
  std::vector<rating::RatePlan> plans;
  try {
    // One read transaction so plans and rates come from the same snapshot.
    SQLite::Transaction tx(db_.sql(), SQLite::TransactionBehavior::DEFERRED);
    std::map<int64_t, size_t> index_of;
    SQLite::Statement ps(db_.sql(), "SELECT id, name, decimals, rounding FROM rate_plans ORDER BY name");
    while (ps.executeStep()) {
      rating::RatePlan p;
      p.name = ps.getColumn(1).getString();
      p.decimals = ps.getColumn(2).getInt();
      auto mode = rating::ParseRoundingMode(ps.getColumn(3).getString());
      if (!mode.ok()) return base::Internal("plan " + Quoted(p.name) + ": stored " + mode.status().message());
      p.rounding = *mode;
      index_of[ps.getColumn(0).getInt64()] = plans.size();
      plans.push_back(std::move(p));
    }
    SQLite::Statement rs(db_.sql(), std::string("SELECT plan_id, ") + kRateColumns +
                                        " FROM rates ORDER BY plan_id, prefix, priority DESC");
    while (rs.executeStep()) {
      auto it = index_of.find(rs.getColumn(0).getInt64());
      if (it == index_of.end()) continue;  // cannot happen with foreign keys on
      rating::RatePlan& p = plans[it->second];
      auto rate = ReadRate(rs, 1, p.name);
      if (!rate.ok()) return rate.status();
      p.rates.push_back(std::move(*rate));
    }
    tx.commit();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("loading rate plans: ") + e.what());
  }
  return plans;
}

base::Result<rating::RatePlan> RatePlanStore::Load(std::string_view plan) {
  rating::RatePlan p;
  try {
    SQLite::Transaction tx(db_.sql(), SQLite::TransactionBehavior::DEFERRED);
    SQLite::Statement ps(db_.sql(), "SELECT id, name, decimals, rounding FROM rate_plans WHERE name = ?");
    ps.bind(1, std::string(plan));
    if (!ps.executeStep()) return base::NotFound("no rate plan " + Quoted(plan));
    const int64_t id = ps.getColumn(0).getInt64();
    p.name = ps.getColumn(1).getString();
    p.decimals = ps.getColumn(2).getInt();
    auto mode = rating::ParseRoundingMode(ps.getColumn(3).getString());
    if (!mode.ok()) return base::Internal("plan " + Quoted(p.name) + ": stored " + mode.status().message());
    p.rounding = *mode;
    SQLite::Statement rs(db_.sql(), std::string("SELECT ") + kRateColumns +
                                        " FROM rates WHERE plan_id = ? ORDER BY prefix, priority DESC");
    rs.bind(1, id);
    while (rs.executeStep()) {
      auto rate = ReadRate(rs, 0, p.name);
      if (!rate.ok()) return rate.status();
      p.rates.push_back(std::move(*rate));
    }
    tx.commit();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable("loading plan " + Quoted(plan) + ": " + e.what());
  }
  return p;
}

base::Result<std::vector<RatePlanInfo>> RatePlanStore::ListPlans() {
  std::vector<RatePlanInfo> out;
  try {
    SQLite::Statement st(db_.sql(), std::string(kPlanInfoSelect) + " ORDER BY p.name");
    while (st.executeStep()) {
      auto info = ReadPlanInfo(st);
      if (!info.ok()) return info.status();
      out.push_back(std::move(*info));
    }
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("listing rate plans: ") + e.what());
  }
  return out;
}

base::Result<RatePlanInfo> PlanInfoIn(SQLite::Database& db, std::string_view plan) {
  try {
    SQLite::Statement st(db, std::string(kPlanInfoSelect) + " WHERE p.name = ?");
    st.bind(1, std::string(plan));
    if (!st.executeStep()) return base::NotFound("no rate plan " + Quoted(plan));
    return ReadPlanInfo(st);
  } catch (const SQLite::Exception& e) {
    return base::Unavailable("reading plan " + Quoted(plan) + ": " + e.what());
  }
}

}  // namespace tarifador::store
