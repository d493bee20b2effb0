-- Alerts (docs/ALERTS.md): what needs a person's attention, raised in the
-- transaction of the change that caused it (a charge that crossed a budget
-- threshold), once per dedupe_key, and kept until someone acknowledges it.
CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY,
  kind            TEXT    NOT NULL,                -- "budget_warning", "budget_reached", ...
  dedupe_key      TEXT    NOT NULL UNIQUE,         -- raised at most once per key
  severity        TEXT    NOT NULL CHECK (severity IN ('warning', 'critical')),
  account_id      INTEGER REFERENCES accounts(id), -- NULL for box-wide alerts
  detail          TEXT    NOT NULL DEFAULT '{}',   -- JSON object: the figures its message is written from
  created_us      INTEGER NOT NULL,
  acknowledged_us INTEGER,                         -- NULL while open
  acknowledged_by TEXT                             -- the actor: "user:ana"
);

-- The open alerts, newest first (the header's count and the Alerts page).
CREATE INDEX alerts_open ON alerts(id) WHERE acknowledged_us IS NULL;
