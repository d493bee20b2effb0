// UserStore: managing users after they exist (user_store.h, "Managing
// users"): disable and enable, role, password, sessions. Each change and its
// audit row are one transaction; a change that locks a user out ends their
// sessions in the same transaction, so no request is served on a session
// whose user was just disabled.
#include <SQLiteCpp/SQLiteCpp.h>

#include "store/audit_store.h"
#include "store/user_store.h"

namespace tarifador::store {
namespace {

// The user's id and whether they are an enabled admin; NotFound otherwise.
struct Target {
  int64_t id = 0;
  std::string name;  // as stored
  bool enabled_admin = false;
};

base::Result<Target> FindTarget(SQLite::Database& db, std::string_view name) {
  SQLite::Statement st(db, "SELECT id, name, role = 'admin' AND disabled = 0 FROM users WHERE name = ?");
  st.bind(1, std::string(name));
  if (!st.executeStep()) return base::NotFound("no user named \"" + std::string(name) + "\"");
  return Target{st.getColumn(0).getInt64(), st.getColumn(1).getString(), st.getColumn(2).getInt() != 0};
}

// Refuses a change that would leave the box with no enabled admin.
base::Status KeepAnAdmin(SQLite::Database& db, const Target& t) {
  if (!t.enabled_admin) return base::Status::Ok();
  if (db.execAndGet("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0").getInt64() > 1) {
    return base::Status::Ok();
  }
  return base::FailedPrecondition("\"" + t.name + "\" is the last enabled admin; add or enable another first");
}

int EndSessionsOf(SQLite::Database& db, int64_t user_id, std::string_view keep_sha256) {
  SQLite::Statement del(db, "DELETE FROM sessions WHERE user_id = ? AND id_sha256 <> ?");
  del.bind(1, static_cast<int64_t>(user_id));
  del.bind(2, std::string(keep_sha256));
  return del.exec();
}

// One change to one user in one transaction: the user looked up in it,
// `change` (which adds its audit row) applied, the store's errors named
// with `doing`.
template <typename Change>
base::Status ChangeUser(std::mutex& mu, SQLite::Database& db, std::string_view name, const char* doing, Change change) {
  std::lock_guard<std::mutex> lock(mu);
  try {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    base::Result<Target> t = FindTarget(db, name);
    if (!t.ok()) return t.status();
    TARIFADOR_RETURN_IF_ERROR(change(db, *t));
    tx.commit();
    return base::Status::Ok();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string(doing) + " \"" + std::string(name) + "\": " + e.what());
  }
}

}  // namespace

base::Status UserStore::SetUserDisabled(std::string_view name, bool disabled, std::string_view actor) {
  return ChangeUser(mu_, db_->sql(), name, "changing user", [&](SQLite::Database& db, const Target& t) {
    if (disabled) TARIFADOR_RETURN_IF_ERROR(KeepAnAdmin(db, t));
    SQLite::Statement up(db, "UPDATE users SET disabled = ? WHERE id = ?");
    up.bind(1, disabled ? 1 : 0);
    up.bind(2, static_cast<int64_t>(t.id));
    up.exec();
    const int ended = disabled ? EndSessionsOf(db, t.id, "") : 0;
    AppendAuditRow(db, AuditEntry{0, clock_.Now(), std::string(actor), disabled ? "user.disable" : "user.enable",
                                  "user:" + t.name, AuditDetail({{"sessions_ended", std::to_string(ended)}})});
    return base::Status::Ok();
  });
}

base::Status UserStore::SetUserRole(std::string_view name, Role role, std::string_view actor) {
  if (role == Role::kCdrWriter) {
    return base::InvalidArgument("the cdr-writer role is for API tokens (mod_json_cdr), not for people");
  }
  return ChangeUser(mu_, db_->sql(), name, "changing user", [&](SQLite::Database& db, const Target& t) {
    if (role != Role::kAdmin) TARIFADOR_RETURN_IF_ERROR(KeepAnAdmin(db, t));
    SQLite::Statement up(db, "UPDATE users SET role = ? WHERE id = ?");
    up.bind(1, RoleName(role));
    up.bind(2, static_cast<int64_t>(t.id));
    up.exec();
    AppendAuditRow(db, AuditEntry{0, clock_.Now(), std::string(actor), "user.role", "user:" + t.name,
                                  AuditDetail({{"role", RoleName(role)}})});
    return base::Status::Ok();
  });
}

base::Status UserStore::SetPassword(std::string_view name, std::string_view password_hash, std::string_view actor,
                                    std::string_view keep_session_sha256) {
  if (password_hash.empty()) return base::InvalidArgument("no password");
  return ChangeUser(mu_, db_->sql(), name, "setting the password of", [&](SQLite::Database& db, const Target& t) {
    SQLite::Statement up(db, "UPDATE users SET password_hash = ? WHERE id = ?");
    up.bind(1, std::string(password_hash));
    up.bind(2, static_cast<int64_t>(t.id));
    up.exec();
    const int ended = EndSessionsOf(db, t.id, keep_session_sha256);
    const bool own = actor == "user:" + t.name;
    AppendAuditRow(db,
                   AuditEntry{0, clock_.Now(), std::string(actor), own ? "user.password_change" : "user.password_reset",
                              "user:" + t.name, AuditDetail({{"sessions_ended", std::to_string(ended)}})});
    return base::Status::Ok();
  });
}

base::Result<std::vector<Session>> UserStore::ListSessions(std::optional<std::string_view> user) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Session> out;
  try {
    SQLite::Statement st(db_->sql(),
                         std::string("SELECT s.id_sha256, s.user_id, u.name, u.role, '', s.created_at_us, "
                                     "s.expires_at_us, s.ip FROM sessions s JOIN users u ON u.id = s.user_id "
                                     "WHERE s.expires_at_us > ?") +
                             (user ? " AND u.name = ?" : "") + " ORDER BY s.created_at_us DESC LIMIT 1000");
    st.bind(1, static_cast<int64_t>(clock_.Now().micros()));
    if (user) st.bind(2, std::string(*user));
    while (st.executeStep()) {
      // The CSRF token stays out of listings: it is the session's own secret.
      out.push_back(Session{st.getColumn(0).getString(), st.getColumn(1).getInt64(), st.getColumn(2).getString(),
                            ParseRole(st.getColumn(3).getString()).value_or(Role::kViewer), "",
                            base::Instant::FromMicros(st.getColumn(5).getInt64()),
                            base::Instant::FromMicros(st.getColumn(6).getInt64()), st.getColumn(7).getString()});
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("listing sessions: ") + e.what());
  }
}

base::Status UserStore::EndSession(std::string_view id_sha256, std::string_view actor) {
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Database& db = db_->sql();
  try {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement who(db, "SELECT u.name FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_sha256 = ?");
    who.bind(1, std::string(id_sha256));
    if (!who.executeStep()) return base::NotFound("no such session");
    const std::string user = who.getColumn(0).getString();
    who.reset();
    SQLite::Statement del(db, "DELETE FROM sessions WHERE id_sha256 = ?");
    del.bind(1, std::string(id_sha256));
    del.exec();
    AppendAuditRow(db, AuditEntry{0, clock_.Now(), std::string(actor), "session.end", "user:" + user,
                                  AuditDetail({{"session", std::string(id_sha256.substr(0, 12))}})});
    tx.commit();
    return base::Status::Ok();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("ending a session: ") + e.what());
  }
}

}  // namespace tarifador::store
