#pragma once
// Users, API tokens and browser sessions (sql/0003_auth.sql; SPEC section 7).
//
// Every change writes its audit row (store/audit_store.h) in the same
// transaction as the change, so the log cannot miss a change or record one
// that did not happen. Secrets never reach this class in plain text except the
// ones it creates and hands back once (a new token, a new session id):
// passwords arrive already hashed (base/password.h), tokens and session ids
// are stored and looked up by their SHA-256.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "store/database.h"

namespace tarifador::store {

class Writer;

// What a user or token may do; each role includes the ones below it.
// Ordered: a route open to a role is open to the roles above it. kCdrWriter
// is below them all and outside the order: it may only post CDRs
// (http::Access::kCdrWriter), and only API tokens have it.
enum class Role { kCdrWriter = 0, kViewer = 1, kOperator = 2, kAdmin = 3 };

// "viewer", "operator", "admin" (the SQL and JSON spelling).
const char* RoleName(Role role);
// Parses RoleName's spelling; nullopt for anything else.
std::optional<Role> ParseRole(std::string_view text);

// InvalidArgument unless `name` is 1-64 characters of letters, digits and
// ". _ - @", starting with a letter or digit. `what` names the kind ("user name").
base::Status ValidateName(std::string_view name, std::string_view what);

struct User {
  int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;
  std::string password_hash;
  base::Instant created_at;
  bool disabled = false;
  std::optional<base::Instant> last_login_at;
};

struct ApiToken {
  int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;
  base::Instant created_at;
  std::optional<base::Instant> last_used_at;
  bool revoked = false;
  std::optional<base::Instant> expires_at;  // none: never expires
};

// A token just created: the only time its plain text exists.
struct NewToken {
  ApiToken token;
  std::string plaintext;
};

// A live session joined with its user.
struct Session {
  std::string id_sha256;
  int64_t user_id = 0;
  std::string user_name;
  Role role = Role::kViewer;
  std::string csrf_token;
  base::Instant created_at;
  base::Instant expires_at;
  std::string ip;  // the client address at login
};

// A session just created: the id goes into the cookie and is not kept.
struct NewSession {
  Session session;
  std::string id;
};

// Thread-safe. Writes are serialised by a mutex on one connection; the checks
// every request makes (a token, a session) read on a second, read-only
// connection with a mutex of their own, so they never queue behind a write
// waiting for SQLite's write lock (the dialplan's authorize is one of them).
class UserStore {
 public:
  // Takes ownership of a read-write connection; `clock` stamps every row and
  // must outlive the store.
  UserStore(std::unique_ptr<Database> db, const base::Clock& clock);

  // From now on a token's last use is written through `writer`, queued and
  // never waited on; without one (the CLI) it is written in place. `writer`
  // must outlive the store.
  void UseWriter(Writer* writer);

  // Adds a user. `actor` is recorded in the audit row ("cli", "user:alice").
  // Fails with InvalidArgument (bad name, empty hash), AlreadyExists (the name
  // is taken, ignoring case), Unavailable (store error).
  base::Result<User> AddUser(std::string_view name, Role role, std::string_view password_hash, std::string_view actor);

  // Adds an admin only while no admin exists, checked and inserted in one
  // write transaction so two concurrent setups cannot both succeed.
  // Fails with FailedPrecondition when an admin exists; otherwise as AddUser.
  base::Result<User> AddFirstAdmin(std::string_view name, std::string_view password_hash, std::string_view actor);

  // NotFound when no user has that name (ignoring case).
  base::Result<User> FindUser(std::string_view name);
  // All users ordered by name.
  base::Result<std::vector<User>> ListUsers();
  // Admins that are not disabled.
  base::Result<int64_t> CountAdmins();

  // Creates a token of 256 random bits and stores its SHA-256. The plain text
  // is returned once and cannot be recovered later.
  // Fails with InvalidArgument, AlreadyExists or Unavailable as AddUser.
  // `expires_at`: when it stops working (none: never).
  base::Result<NewToken> CreateToken(std::string_view name, Role role, std::string_view actor,
                                     std::optional<base::Instant> expires_at = std::nullopt);

  // The token whose SHA-256 (lower-case hex) is `sha256_hex`, and records its
  // use (last_used_at, written at most once a minute per token, through the
  // writer when there is one).
  // NotFound when unknown, revoked or expired.
  base::Result<ApiToken> UseToken(std::string_view sha256_hex);
  // All tokens, revoked ones included, ordered by name.
  base::Result<std::vector<ApiToken>> ListTokens();
  // Revokes a token; NotFound when no live token has that name.
  base::Status RevokeToken(std::string_view name, std::string_view actor);

  // Starts a session for `user` lasting `ttl_us`, with a fresh id and CSRF
  // token, audited as "session.login" with `detail_json`. Also purges expired
  // sessions. Fails with Unavailable.
  // Records the user's last login and the session's client address `ip`.
  base::Result<NewSession> CreateSession(const User& user, int64_t ttl_us, std::string_view detail_json,
                                         std::string_view ip = {});
  // The live session whose id hashes to `id_sha256`; NotFound when unknown,
  // expired, or its user is disabled.
  base::Result<Session> FindSession(std::string_view id_sha256);
  // Ends a session, audited as "session.logout" by `actor`. NotFound when unknown.
  base::Status DeleteSession(std::string_view id_sha256, std::string_view actor);
  // Deletes sessions that have expired; returns how many.
  base::Result<int> PurgeExpiredSessions();

  // --- Managing users (user_admin.cpp); each change is one transaction with
  // its audit row. NotFound when no user has the name. ---

  // Disables or enables a user. Disabling ends every session of theirs in
  // the same transaction. FailedPrecondition when it would leave no enabled
  // admin.
  base::Status SetUserDisabled(std::string_view name, bool disabled, std::string_view actor);
  // Changes a user's role (not cdr-writer); FailedPrecondition when it would
  // leave no enabled admin.
  base::Status SetUserRole(std::string_view name, Role role, std::string_view actor);
  // Replaces a user's password hash and ends their sessions, all but
  // `keep_session_sha256` (the caller's own, when changing one's own).
  // Audited as "user.password_reset" (by an admin) or "user.password_change".
  base::Status SetPassword(std::string_view name, std::string_view password_hash, std::string_view actor,
                           std::string_view keep_session_sha256 = {});
  // Live sessions, newest first; only `user`'s when given.
  base::Result<std::vector<Session>> ListSessions(std::optional<std::string_view> user = std::nullopt);
  // Ends one session, audited as "session.end" by `actor`. NotFound when unknown.
  base::Status EndSession(std::string_view id_sha256, std::string_view actor);

  // PRAGMA user_version, or -1 on error.
  int SchemaVersion();

 private:
  base::Result<User> InsertUser(std::string_view name, Role role, std::string_view password_hash,
                                std::string_view actor, bool only_if_no_admin);

  std::mutex mu_;
  std::unique_ptr<Database> db_;
  std::mutex read_mu_;
  std::unique_ptr<Database> reads_;  // read-only; null when it could not be opened (then db_ under mu_)
  Writer* writer_ = nullptr;
  const base::Clock& clock_;
};

}  // namespace tarifador::store
