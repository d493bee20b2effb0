-- Alert delivery (docs/ALERTS.md "Delivery"): who hears of which alerts, and
-- an outbox with one row per alert and recipient, written in the transaction
-- that raised the alert, so a delivery can be late but never lost.
CREATE TABLE alert_recipients (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  channel    TEXT    NOT NULL CHECK (channel IN ('email', 'webhook')),
  address    TEXT    NOT NULL,                 -- an e-mail address, or the webhook's http(s):// URL
  secret     TEXT    NOT NULL DEFAULT '',      -- webhook: the HMAC-SHA256 key (hex); '' for e-mail
  kinds      TEXT    NOT NULL DEFAULT '*',     -- comma-separated alert kinds, or '*' for all
  language   TEXT    NOT NULL DEFAULT 'es' CHECK (language IN ('es', 'en')),
  quiet_from INTEGER,                          -- quiet hours, minutes after local midnight; NULL: none
  quiet_to   INTEGER,
  created_us INTEGER NOT NULL,
  UNIQUE (channel, address)
);

CREATE TABLE alert_deliveries (
  id              INTEGER PRIMARY KEY,        -- the event id a receiver sees (deduplicate on it)
  alert_id        INTEGER NOT NULL REFERENCES alerts(id),
  recipient_id    INTEGER NOT NULL REFERENCES alert_recipients(id),
  state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_us INTEGER NOT NULL,
  last_error      TEXT    NOT NULL DEFAULT '',
  sent_us         INTEGER,
  UNIQUE (alert_id, recipient_id)
);

CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_us) WHERE state = 'pending';
