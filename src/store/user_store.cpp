#include "store/user_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include "base/password.h"
#include "store/audit_store.h"
#include "store/writer.h"

namespace tarifador::store {
namespace {

// A token's last_used_at is a hint for the operator ("is this token still in
// use?"), not an audit trail: one write a minute per token is plenty and keeps
// a busy dialplan from turning every authorize call into a disk write.
constexpr int64_t kTokenTouchIntervalUs = 60'000'000;

bool IsUniqueViolation(const SQLite::Exception& e) {
  return e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE ||
         e.getExtendedErrorCode() == SQLITE_CONSTRAINT_PRIMARYKEY;
}

Role RoleFromColumn(const SQLite::Column& c) {
  // The CHECK constraint keeps other spellings out of the table.
  return ParseRole(c.getString()).value_or(Role::kViewer);
}

User ReadUser(SQLite::Statement& st) {
  return User{
      st.getColumn(0).getInt64(),
      st.getColumn(1).getString(),
      RoleFromColumn(st.getColumn(2)),
      st.getColumn(3).getString(),
      base::Instant::FromMicros(st.getColumn(4).getInt64()),
      st.getColumn(5).getInt() != 0,
      st.getColumn(6).isNull() ? std::nullopt : std::optional(base::Instant::FromMicros(st.getColumn(6).getInt64()))};
}

constexpr const char* kUserColumns = "id, name, role, password_hash, created_at_us, disabled, last_login_at_us";

ApiToken ReadToken(SQLite::Statement& st) {
  ApiToken t{st.getColumn(0).getInt64(),
             st.getColumn(1).getString(),
             RoleFromColumn(st.getColumn(2)),
             base::Instant::FromMicros(st.getColumn(3).getInt64()),
             std::nullopt,
             st.getColumn(5).getInt() != 0,
             std::nullopt};
  if (!st.getColumn(4).isNull()) t.last_used_at = base::Instant::FromMicros(st.getColumn(4).getInt64());
  if (!st.getColumn(6).isNull()) t.expires_at = base::Instant::FromMicros(st.getColumn(6).getInt64());
  return t;
}

constexpr const char* kTokenColumns = "id, name, role, created_at_us, last_used_at_us, revoked, expires_at_us";

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kOperator: return "operator";
    case Role::kAdmin: return "admin";
    case Role::kCdrWriter: return "cdr-writer";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view text) {
  if (text == "viewer") return Role::kViewer;
  if (text == "operator") return Role::kOperator;
  if (text == "admin") return Role::kAdmin;
  if (text == "cdr-writer") return Role::kCdrWriter;
  return std::nullopt;
}

base::Status ValidateName(std::string_view name, std::string_view what) {
  const std::string w(what);
  if (name.empty()) return base::InvalidArgument(w + " is empty");
  if (name.size() > 64) return base::InvalidArgument(w + " is longer than 64 characters");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(name[0])) {
    return base::InvalidArgument(w + " \"" + std::string(name) + "\" must start with a letter or digit");
  }
  for (const char c : name) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-' && c != '@') {
      return base::InvalidArgument(w + " \"" + std::string(name) + "\" may contain only letters, digits and . _ - @");
    }
  }
  return base::Status::Ok();
}

UserStore::UserStore(std::unique_ptr<Database> db, const base::Clock& clock) : db_(std::move(db)), clock_(clock) {
  base::Result<std::unique_ptr<Database>> reads = Database::Open(db_->path(), OpenMode::kReadOnly);
  if (reads.ok()) reads_ = std::move(*reads);
}

void UserStore::UseWriter(Writer* writer) { writer_ = writer; }

base::Result<User> UserStore::InsertUser(std::string_view name, Role role, std::string_view password_hash,
                                         std::string_view actor, bool only_if_no_admin) {
  TARIFADOR_RETURN_IF_ERROR(ValidateName(name, "user name"));
  if (role == Role::kCdrWriter) {
    return base::InvalidArgument("the cdr-writer role is for API tokens (mod_json_cdr), not for people");
  }
  if (password_hash.empty()) return base::InvalidArgument("adding user \"" + std::string(name) + "\": no password");
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Database& db = db_->sql();
  const base::Instant now = clock_.Now();
  try {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (only_if_no_admin) {
      SQLite::Statement count(db, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0");
      count.executeStep();
      if (count.getColumn(0).getInt64() > 0) {
        return base::FailedPrecondition("setup is closed: an admin already exists");
      }
    }
    SQLite::Statement ins(db,
                          "INSERT INTO users(name, role, password_hash, created_at_us, disabled) "
                          "VALUES (?, ?, ?, ?, 0)");
    ins.bind(1, std::string(name));
    ins.bind(2, RoleName(role));
    ins.bind(3, std::string(password_hash));
    ins.bind(4, static_cast<int64_t>(now.micros()));
    ins.exec();
    const int64_t id = db.getLastInsertRowid();
    AppendAuditRow(db, AuditEntry{0, now, std::string(actor), "user.add", "user:" + std::string(name),
                                  AuditDetail({{"role", RoleName(role)}})});
    tx.commit();
    return User{id, std::string(name), role, std::string(password_hash), now, false, std::nullopt};
  } catch (const SQLite::Exception& e) {
    if (IsUniqueViolation(e)) return base::AlreadyExists("user \"" + std::string(name) + "\" already exists");
    return base::Unavailable("adding user \"" + std::string(name) + "\": " + e.what());
  }
}

base::Result<User> UserStore::AddUser(std::string_view name, Role role, std::string_view password_hash,
                                      std::string_view actor) {
  return InsertUser(name, role, password_hash, actor, false);
}

base::Result<User> UserStore::AddFirstAdmin(std::string_view name, std::string_view password_hash,
                                            std::string_view actor) {
  return InsertUser(name, Role::kAdmin, password_hash, actor, true);
}

base::Result<User> UserStore::FindUser(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement st(db_->sql(), std::string("SELECT ") + kUserColumns + " FROM users WHERE name = ?");
    st.bind(1, std::string(name));
    if (!st.executeStep()) return base::NotFound("no user \"" + std::string(name) + "\"");
    return ReadUser(st);
  } catch (const SQLite::Exception& e) {
    return base::Unavailable("looking up user \"" + std::string(name) + "\": " + e.what());
  }
}

base::Result<std::vector<User>> UserStore::ListUsers() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<User> out;
  try {
    SQLite::Statement st(db_->sql(), std::string("SELECT ") + kUserColumns + " FROM users ORDER BY name");
    while (st.executeStep()) out.push_back(ReadUser(st));
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("listing users: ") + e.what());
  }
  return out;
}

base::Result<int64_t> UserStore::CountAdmins() {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    return db_->sql().execAndGet("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0").getInt64();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("counting admins: ") + e.what());
  }
}

base::Result<NewToken> UserStore::CreateToken(std::string_view name, Role role, std::string_view actor,
                                              std::optional<base::Instant> expires_at) {
  TARIFADOR_RETURN_IF_ERROR(ValidateName(name, "token name"));
  std::string plaintext = base::RandomToken(32);
  const std::string digest = base::Sha256Hex(plaintext);
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Database& db = db_->sql();
  const base::Instant now = clock_.Now();
  try {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement ins(db,
                          "INSERT INTO api_tokens(name, role, token_sha256, created_at_us, revoked, expires_at_us) "
                          "VALUES (?, ?, ?, ?, 0, ?)");
    ins.bind(1, std::string(name));
    ins.bind(2, RoleName(role));
    ins.bind(3, digest);
    ins.bind(4, static_cast<int64_t>(now.micros()));
    if (expires_at) {
      ins.bind(5, static_cast<int64_t>(expires_at->micros()));
    } else {
      ins.bind(5);
    }
    ins.exec();
    const int64_t id = db.getLastInsertRowid();
    AppendAuditRow(db, AuditEntry{0, now, std::string(actor), "token.create", "token:" + std::string(name),
                                  AuditDetail({{"role", RoleName(role)},
                                               {"expires_at", expires_at ? base::FormatIso8601(*expires_at) : ""}})});
    tx.commit();
    return NewToken{ApiToken{id, std::string(name), role, now, std::nullopt, false, expires_at}, std::move(plaintext)};
  } catch (const SQLite::Exception& e) {
    if (IsUniqueViolation(e)) return base::AlreadyExists("token \"" + std::string(name) + "\" already exists");
    return base::Unavailable("creating token \"" + std::string(name) + "\": " + e.what());
  }
}

base::Result<ApiToken> UserStore::UseToken(std::string_view sha256_hex) {
  ApiToken token;
  {
    std::lock_guard<std::mutex> lock(reads_ ? read_mu_ : mu_);
    try {
      SQLite::Statement st((reads_ ? reads_ : db_)->sql(), std::string("SELECT ") + kTokenColumns +
                                                               " FROM api_tokens WHERE token_sha256 = ? AND revoked = "
                                                               "0 AND (expires_at_us IS NULL OR expires_at_us > ?)");
      st.bind(1, std::string(sha256_hex));
      st.bind(2, static_cast<int64_t>(clock_.Now().micros()));
      if (!st.executeStep()) return base::NotFound("unknown, revoked or expired API token");
      token = ReadToken(st);
    } catch (const SQLite::Exception& e) {
      return base::Unavailable(std::string("checking an API token: ") + e.what());
    }
  }
  const base::Instant now = clock_.Now();
  if (token.last_used_at && now.micros() - token.last_used_at->micros() < kTokenTouchIntervalUs) return token;
  const int64_t id = token.id;
  const auto touch = [id, now](SQLite::Database& db) -> base::Status {
    SQLite::Statement up(db, "UPDATE api_tokens SET last_used_at_us = ? WHERE id = ?");
    up.bind(1, static_cast<int64_t>(now.micros()));
    up.bind(2, static_cast<int64_t>(id));
    up.exec();
    return base::Status::Ok();
  };
  token.last_used_at = now;
  if (writer_ != nullptr) {
    // A hint, queued: the caller never waits for the disk.
    writer_->SubmitThen(touch, [](const base::Status&) {});
    return token;
  }
  std::lock_guard<std::mutex> lock(mu_);
  try {
    (void)touch(db_->sql());
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("recording an API token's use: ") + e.what());
  }
  return token;
}

base::Result<std::vector<ApiToken>> UserStore::ListTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ApiToken> out;
  try {
    SQLite::Statement st(db_->sql(), std::string("SELECT ") + kTokenColumns + " FROM api_tokens ORDER BY name");
    while (st.executeStep()) out.push_back(ReadToken(st));
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("listing API tokens: ") + e.what());
  }
  return out;
}

base::Status UserStore::RevokeToken(std::string_view name, std::string_view actor) {
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Database& db = db_->sql();
  try {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement up(db, "UPDATE api_tokens SET revoked = 1 WHERE name = ? AND revoked = 0");
    up.bind(1, std::string(name));
    if (up.exec() == 0) return base::NotFound("no live token \"" + std::string(name) + "\"");
    AppendAuditRow(db,
                   AuditEntry{0, clock_.Now(), std::string(actor), "token.revoke", "token:" + std::string(name), ""});
    tx.commit();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable("revoking token \"" + std::string(name) + "\": " + e.what());
  }
  return base::Status::Ok();
}

base::Result<NewSession> UserStore::CreateSession(const User& user, int64_t ttl_us, std::string_view detail_json,
                                                  std::string_view ip) {
  std::string id = base::RandomToken(32);
  Session s{base::Sha256Hex(id),   user.id,      user.name, user.role,
            base::RandomToken(32), clock_.Now(), {},        std::string(ip.substr(0, 64))};
  s.expires_at = base::Instant::FromMicros(s.created_at.micros() + ttl_us);
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Database& db = db_->sql();
  try {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Logins are the natural moment to sweep: no timer thread needed, and the
    // table never holds more than the sessions of one TTL.
    SQLite::Statement purge(db, "DELETE FROM sessions WHERE expires_at_us <= ?");
    purge.bind(1, static_cast<int64_t>(s.created_at.micros()));
    purge.exec();
    SQLite::Statement ins(db,
                          "INSERT INTO sessions(id_sha256, user_id, csrf_token, created_at_us, expires_at_us, ip) "
                          "VALUES (?, ?, ?, ?, ?, ?)");
    ins.bind(1, s.id_sha256);
    ins.bind(2, static_cast<int64_t>(s.user_id));
    ins.bind(3, s.csrf_token);
    ins.bind(4, static_cast<int64_t>(s.created_at.micros()));
    ins.bind(5, static_cast<int64_t>(s.expires_at.micros()));
    ins.bind(6, s.ip);
    ins.exec();
    SQLite::Statement seen(db, "UPDATE users SET last_login_at_us = ? WHERE id = ?");
    seen.bind(1, static_cast<int64_t>(s.created_at.micros()));
    seen.bind(2, static_cast<int64_t>(user.id));
    seen.exec();
    AppendAuditRow(db, AuditEntry{0, s.created_at, "user:" + user.name, "session.login", "user:" + user.name,
                                  std::string(detail_json)});
    tx.commit();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable("starting a session for \"" + user.name + "\": " + e.what());
  }
  return NewSession{std::move(s), std::move(id)};
}

base::Result<Session> UserStore::FindSession(std::string_view id_sha256) {
  std::lock_guard<std::mutex> lock(reads_ ? read_mu_ : mu_);
  try {
    SQLite::Statement st((reads_ ? reads_ : db_)->sql(),
                         "SELECT s.id_sha256, s.user_id, u.name, u.role, s.csrf_token, s.created_at_us, "
                         "s.expires_at_us, s.ip FROM sessions s JOIN users u ON u.id = s.user_id "
                         "WHERE s.id_sha256 = ? AND s.expires_at_us > ? AND u.disabled = 0");
    st.bind(1, std::string(id_sha256));
    st.bind(2, static_cast<int64_t>(clock_.Now().micros()));
    if (!st.executeStep()) return base::NotFound("unknown or expired session");
    return Session{st.getColumn(0).getString(),
                   st.getColumn(1).getInt64(),
                   st.getColumn(2).getString(),
                   RoleFromColumn(st.getColumn(3)),
                   st.getColumn(4).getString(),
                   base::Instant::FromMicros(st.getColumn(5).getInt64()),
                   base::Instant::FromMicros(st.getColumn(6).getInt64()),
                   st.getColumn(7).getString()};
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("looking up a session: ") + e.what());
  }
}

base::Status UserStore::DeleteSession(std::string_view id_sha256, std::string_view actor) {
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Database& db = db_->sql();
  try {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement del(db, "DELETE FROM sessions WHERE id_sha256 = ?");
    del.bind(1, std::string(id_sha256));
    if (del.exec() == 0) return base::NotFound("unknown session");
    AppendAuditRow(db, AuditEntry{0, clock_.Now(), std::string(actor), "session.logout", std::string(actor), ""});
    tx.commit();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("ending a session: ") + e.what());
  }
  return base::Status::Ok();
}

base::Result<int> UserStore::PurgeExpiredSessions() {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement del(db_->sql(), "DELETE FROM sessions WHERE expires_at_us <= ?");
    del.bind(1, static_cast<int64_t>(clock_.Now().micros()));
    return del.exec();
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("purging expired sessions: ") + e.what());
  }
}

int UserStore::SchemaVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->SchemaVersion();
}

}  // namespace tarifador::store
