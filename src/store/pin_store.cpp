#include "store/pin_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>
#include <utility>

#include "base/json_parse.h"
#include "base/password.h"
#include "base/strings.h"
#include "store/alert_store.h"
#include "store/audit_store.h"
#include "store/write_job.h"

namespace tarifador::store {
namespace {

constexpr const char* kPinColumns =
    "id, owner, account_id, zones, enabled, created_us, updated_us, last_used_us, pin_hash";
// Failures older than this are of no use to the throttle and are dropped.
constexpr int64_t kFailureMemoryUs = 24LL * 3600 * 1'000'000;

std::string JoinZones(const std::vector<std::string>& zones) {
  std::string out;
  for (const std::string& z : zones) {
    if (!out.empty()) out += ',';
    out += z;
  }
  return out;
}

billing::PinCode ReadPin(SQLite::Statement& st) {
  billing::PinCode c;
  c.id = st.getColumn(0).getString();
  c.owner = st.getColumn(1).getString();
  c.account_id = billing::AccountId{st.getColumn(2).getInt64()};
  const std::string zones = st.getColumn(3).getString();
  for (std::string_view z : base::SplitCommas(zones)) {
    if (!z.empty()) c.zones.emplace_back(z);
  }
  c.enabled = st.getColumn(4).getInt() != 0;
  c.created_at = base::Instant::FromMicros(st.getColumn(5).getInt64());
  c.updated_at = base::Instant::FromMicros(st.getColumn(6).getInt64());
  if (!st.getColumn(7).isNull()) c.last_used_at = base::Instant::FromMicros(st.getColumn(7).getInt64());
  return c;
}

std::optional<billing::PinDirectory::Stored> FindIn(SQLite::Database& db, std::string_view id) {
  SQLite::Statement st(db, std::string("SELECT ") + kPinColumns + " FROM pin_codes WHERE id = ?");
  st.bind(1, std::string(id));
  if (!st.executeStep()) return std::nullopt;
  return billing::PinDirectory::Stored{ReadPin(st), st.getColumn(8).getString()};
}

base::Status CheckAccount(SQLite::Database& db, billing::AccountId id) {
  SQLite::Statement st(db, "SELECT 1 FROM accounts WHERE id = ?");
  st.bind(1, static_cast<int64_t>(id.value));
  if (!st.executeStep()) return base::NotFound("no account " + std::to_string(id.value));
  return base::Status::Ok();
}

// What the audit rows of a code say about it: never the digits.
std::string PinDetail(const billing::PinCode& c) {
  return AuditDetail({{"owner", c.owner},
                      {"account_id", std::to_string(c.account_id.value)},
                      {"zones", JoinZones(c.zones)},
                      {"enabled", c.enabled ? "true" : "false"}});
}

template <typename Fn>
auto OnRead(ReadPool& reads, const std::string& what, Fn fn) -> decltype(fn(std::declval<SQLite::Database&>())) {
  auto lease = reads.Acquire();
  if (!lease.ok()) return lease.status().WithContext(what);
  try {
    return fn(lease->sql());
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(what + ": " + e.what());
  }
}

}  // namespace

base::Result<billing::PinCode> PinStore::CreatePin(const billing::PinCode& code, std::string_view pin,
                                                   std::string_view actor, base::Instant at) {
  TARIFADOR_RETURN_IF_ERROR(billing::ValidatePinCode(code));
  TARIFADOR_RETURN_IF_ERROR(billing::ValidatePinDigits(pin, code.id));
  // Slow on purpose, so outside the writer's transaction.
  base::Result<std::string> hash = base::HashSecret(pin);
  if (!hash.ok()) return hash.status();
  billing::PinCode out = code;
  out.created_at = at;
  out.updated_at = at;
  out.last_used_at.reset();
  base::Status s = WriteJob(writer_, "adding PIN code " + code.id, [&](SQLite::Database& db) -> base::Status {
    if (FindIn(db, code.id)) return base::AlreadyExists("PIN code " + code.id + " exists");
    TARIFADOR_RETURN_IF_ERROR(CheckAccount(db, code.account_id));
    SQLite::Statement st(db,
                         "INSERT INTO pin_codes(id, owner, account_id, pin_hash, zones, enabled, created_us, "
                         "updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, code.id);
    st.bind(2, code.owner);
    st.bind(3, static_cast<int64_t>(code.account_id.value));
    st.bind(4, *hash);
    st.bind(5, JoinZones(code.zones));
    st.bind(6, code.enabled ? 1 : 0);
    st.bind(7, static_cast<int64_t>(at.micros()));
    st.bind(8, static_cast<int64_t>(at.micros()));
    st.exec();
    AppendAuditRow(db, AuditEntry{0, at, std::string(actor), "pin.add", "pin:" + code.id, PinDetail(out)});
    return base::Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

base::Result<billing::PinCode> PinStore::UpdatePin(std::string_view id, const PinChanges& changes,
                                                   std::string_view actor, base::Instant at) {
  std::optional<std::string> hash;
  if (changes.pin) {
    TARIFADOR_RETURN_IF_ERROR(billing::ValidatePinDigits(*changes.pin, id));
    base::Result<std::string> h = base::HashSecret(*changes.pin);
    if (!h.ok()) return h.status();
    hash = std::move(*h);
  }
  billing::PinCode out;
  base::Status s = WriteJob(writer_, "changing PIN code " + std::string(id), [&](SQLite::Database& db) -> base::Status {
    std::optional<Stored> stored = FindIn(db, id);
    if (!stored) return base::NotFound("no PIN code " + std::string(id));
    out = stored->code;
    if (changes.owner) out.owner = *changes.owner;
    if (changes.account_id) out.account_id = *changes.account_id;
    if (changes.zones) out.zones = *changes.zones;
    if (changes.enabled) out.enabled = *changes.enabled;
    TARIFADOR_RETURN_IF_ERROR(billing::ValidatePinCode(out));
    if (changes.account_id) TARIFADOR_RETURN_IF_ERROR(CheckAccount(db, out.account_id));
    out.updated_at = at;
    SQLite::Statement st(db,
                         "UPDATE pin_codes SET owner = ?, account_id = ?, zones = ?, enabled = ?, updated_us = ?, "
                         "pin_hash = coalesce(?, pin_hash) WHERE id = ?");
    st.bind(1, out.owner);
    st.bind(2, static_cast<int64_t>(out.account_id.value));
    st.bind(3, JoinZones(out.zones));
    st.bind(4, out.enabled ? 1 : 0);
    st.bind(5, static_cast<int64_t>(at.micros()));
    if (hash) {
      st.bind(6, *hash);
    } else {
      st.bind(6);
    }
    st.bind(7, std::string(id));
    st.exec();
    std::string detail = PinDetail(out);
    if (hash) detail.insert(detail.size() - 1, R"(,"pin":"changed")");
    AppendAuditRow(db, AuditEntry{0, at, std::string(actor), "pin.update", "pin:" + std::string(id), detail});
    return base::Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

base::Status PinStore::DeletePin(std::string_view id, std::string_view actor, base::Instant at) {
  return WriteJob(writer_, "removing PIN code " + std::string(id), [&](SQLite::Database& db) -> base::Status {
    std::optional<Stored> stored = FindIn(db, id);
    if (!stored) return base::NotFound("no PIN code " + std::string(id));
    SQLite::Statement del(db, "DELETE FROM pin_codes WHERE id = ?");
    del.bind(1, std::string(id));
    del.exec();
    AppendAuditRow(
        db, AuditEntry{0, at, std::string(actor), "pin.remove", "pin:" + std::string(id), PinDetail(stored->code)});
    return base::Status::Ok();
  });
}

base::Result<std::vector<billing::PinCode>> PinStore::ListPins() {
  return OnRead(reads_, "listing PIN codes", [](SQLite::Database& db) -> base::Result<std::vector<billing::PinCode>> {
    SQLite::Statement st(db, std::string("SELECT ") + kPinColumns + " FROM pin_codes ORDER BY id");
    std::vector<billing::PinCode> out;
    while (st.executeStep()) out.push_back(ReadPin(st));
    return out;
  });
}

base::Result<std::optional<billing::PinDirectory::Stored>> PinStore::FindPin(std::string_view id) {
  return OnRead(reads_, "reading PIN code " + std::string(id),
                [&](SQLite::Database& db) -> base::Result<std::optional<Stored>> { return FindIn(db, id); });
}

base::Result<billing::PinDirectory::Failures> PinStore::RecentPinFailures(std::string_view id, std::string_view caller,
                                                                          base::Instant since) {
  return OnRead(reads_, "counting wrong PIN codes", [&](SQLite::Database& db) -> base::Result<Failures> {
    Failures f;
    SQLite::Statement by_code(db, "SELECT count(*) FROM pin_failures WHERE pin_id = ? AND at_us >= ?");
    by_code.bind(1, std::string(id));
    by_code.bind(2, static_cast<int64_t>(since.micros()));
    if (by_code.executeStep()) f.by_code = by_code.getColumn(0).getInt64();
    SQLite::Statement by_caller(db, "SELECT count(*) FROM pin_failures WHERE caller = ? AND at_us >= ?");
    by_caller.bind(1, std::string(caller));
    by_caller.bind(2, static_cast<int64_t>(since.micros()));
    if (by_caller.executeStep()) f.by_caller = by_caller.getColumn(0).getInt64();
    return f;
  });
}

base::Status PinStore::RecordPinRefusal(const billing::PinAttempt& attempt, std::string_view reason, bool counted,
                                        const std::optional<billing::PinLockout>& lockout, base::Instant at) {
  // What was keyed is outside input: bounded before it is stored.
  const std::string id = attempt.id.substr(0, 32);
  const std::string caller = attempt.caller.substr(0, 64);
  return WriteJob(writer_, "recording a refused PIN code", [&](SQLite::Database& db) -> base::Status {
    if (counted) {
      SQLite::Statement prune(db, "DELETE FROM pin_failures WHERE at_us < ?");
      prune.bind(1, static_cast<int64_t>(at.micros() - kFailureMemoryUs));
      prune.exec();
      SQLite::Statement st(db, "INSERT INTO pin_failures(at_us, pin_id, caller) VALUES (?, ?, ?)");
      st.bind(1, static_cast<int64_t>(at.micros()));
      st.bind(2, id);
      st.bind(3, caller);
      st.exec();
    }
    AppendAuditRow(db, AuditEntry{0, at, "phone:" + caller, "pin.refused", "pin:" + id,
                                  AuditDetail({{"reason", reason}, {"call", attempt.call.value}})});
    if (lockout) {
      const nlohmann::json detail = {{"pin_id", id},
                                     {"caller", caller},
                                     {"scope", lockout->scope},
                                     {"failures", lockout->failures},
                                     {"minutes", lockout->minutes}};
      const std::string subject = lockout->scope == "code" ? "code:" + id : "phone:" + caller;
      RaiseAlertIn(db,
                   NewAlert{"pin_failures", "critical",
                            "pin_failures:" + subject + ":" + std::to_string(at.micros() / 60'000'000), std::nullopt,
                            base::DumpJson(detail)},
                   at);
    }
    return base::Status::Ok();
  });
}

base::Status PinStore::RecordPinUse(const billing::PinAttempt& attempt, const billing::PinCode& code,
                                    base::Instant at) {
  return WriteJob(writer_, "recording the use of PIN code " + code.id, [&](SQLite::Database& db) -> base::Status {
    SQLite::Statement st(db, "UPDATE pin_codes SET last_used_us = ? WHERE id = ?");
    st.bind(1, static_cast<int64_t>(at.micros()));
    st.bind(2, code.id);
    st.exec();
    AppendAuditRow(db, AuditEntry{0, at, "phone:" + attempt.caller.substr(0, 64), "pin.use", "pin:" + code.id,
                                  AuditDetail({{"owner", code.owner},
                                               {"account_id", std::to_string(code.account_id.value)},
                                               {"call", attempt.call.value}})});
    return base::Status::Ok();
  });
}

}  // namespace tarifador::store
