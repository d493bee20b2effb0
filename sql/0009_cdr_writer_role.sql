-- The cdr-writer role (docs/SECURITY.md "Roles"): the token mod_json_cdr
-- posts with may post CDRs and nothing else, so a token kept in
-- FreeSWITCH's configuration cannot recharge accounts or read the CDRs.
-- API tokens only: people get viewer, operator or admin. SQLite cannot change
-- a CHECK constraint in place, so api_tokens is rebuilt with the same rows.
CREATE TABLE api_tokens_new (
  id               INTEGER PRIMARY KEY,
  name             TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  role             TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer', 'cdr-writer')),
  token_sha256     TEXT    NOT NULL UNIQUE,  -- lower-case hex
  created_at_us    INTEGER NOT NULL,
  last_used_at_us  INTEGER,                  -- NULL until first used; updated at most once a minute
  revoked          INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
INSERT INTO api_tokens_new (id, name, role, token_sha256, created_at_us, last_used_at_us, revoked)
  SELECT id, name, role, token_sha256, created_at_us, last_used_at_us, revoked FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
