-- User management (docs/SECURITY.md "Users, sessions and tokens"): when a
-- user last logged in, when a token stops working, and where a session was
-- opened from, so an admin can see who is in and end what should not be.
ALTER TABLE users ADD COLUMN last_login_at_us INTEGER;          -- NULL until the first login
ALTER TABLE api_tokens ADD COLUMN expires_at_us INTEGER;        -- NULL: never expires
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';    -- the client address at login
