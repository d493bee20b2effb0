-- Core tables every later step relies on.
-- Times are epoch microseconds UTC (INTEGER); see SPEC section 1.

-- Every change made through the API or the CLI (SPEC section 7: audit log of every change).
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at_us     INTEGER NOT NULL,
  actor     TEXT    NOT NULL,   -- "user:alice", "token:dialplan", "cli", "system"
  action    TEXT    NOT NULL,   -- "user.add", "token.create", "session.login", ...
  target    TEXT    NOT NULL DEFAULT '',
  detail    TEXT    NOT NULL DEFAULT ''  -- JSON object text
);
CREATE INDEX audit_log_at ON audit_log(at_us);

-- Small key/value facts about this store (site id, creation time).
CREATE TABLE store_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
