-- Users, API tokens and browser sessions (SPEC section 7).
-- Times are epoch microseconds UTC (INTEGER); see SPEC section 1.

-- People who log into the web UI. There is no default user and no default
-- password: the first admin comes from `tarifador user add` or the one-time
-- setup page (SPEC section 7).
CREATE TABLE users (
  id             INTEGER PRIMARY KEY,
  name           TEXT    NOT NULL UNIQUE COLLATE NOCASE,  -- "Alice" and "alice" are one user
  role           TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  password_hash  TEXT    NOT NULL,  -- argon2id, libsodium's "$argon2id$..." string
  created_at_us  INTEGER NOT NULL,
  disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
);

-- Machine clients (the FreeSWITCH dialplan, mod_json_cdr, scripts). The token
-- itself is shown once at creation; only its SHA-256 is kept.
CREATE TABLE api_tokens (
  id               INTEGER PRIMARY KEY,
  name             TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  role             TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  token_sha256     TEXT    NOT NULL UNIQUE,  -- lower-case hex
  created_at_us    INTEGER NOT NULL,
  last_used_at_us  INTEGER,                  -- NULL until first used; updated at most once a minute
  revoked          INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);

-- Logged-in browsers. The cookie holds the session id; only its SHA-256 is kept,
-- so a copy of the database does not let anyone log in.
CREATE TABLE sessions (
  id_sha256      TEXT    PRIMARY KEY,  -- lower-case hex
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token     TEXT    NOT NULL,     -- echoed by the UI in X-CSRF-Token on writes
  created_at_us  INTEGER NOT NULL,
  expires_at_us  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions(expires_at_us);
CREATE INDEX sessions_user ON sessions(user_id);
