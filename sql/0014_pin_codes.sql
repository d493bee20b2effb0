-- PIN / authorization codes (SPEC section 3, docs/BILLING.md "PIN codes"): a
-- code number and its secret digits let a person bill a call to their own
-- account from any phone. Only a slow salted hash of the digits is kept.
CREATE TABLE pin_codes (
  id           TEXT    PRIMARY KEY,          -- the code's number, keyed first: "1003"
  owner        TEXT    NOT NULL,             -- the person it belongs to
  account_id   INTEGER NOT NULL REFERENCES accounts(id),
  pin_hash     TEXT    NOT NULL,             -- argon2id (libsodium crypto_pwhash_str)
  zones        TEXT    NOT NULL DEFAULT '',  -- class of service: comma-separated zones it may call; '' any
  enabled      INTEGER NOT NULL DEFAULT 1,
  created_us   INTEGER NOT NULL,
  updated_us   INTEGER NOT NULL,
  last_used_us INTEGER
);

-- Wrong or unknown codes, for the throttle (per code number and per phone).
CREATE TABLE pin_failures (
  id       INTEGER PRIMARY KEY,
  at_us    INTEGER NOT NULL,
  pin_id   TEXT    NOT NULL,  -- as keyed (may name no code)
  caller   TEXT    NOT NULL   -- the phone's extension
);
CREATE INDEX pin_failures_by_code ON pin_failures(pin_id, at_us);
CREATE INDEX pin_failures_by_caller ON pin_failures(caller, at_us);

-- Who a PIN call was billed to: the code's number and owner, never its digits.
ALTER TABLE cdrs ADD COLUMN pin_id TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN pin_owner TEXT NOT NULL DEFAULT '';

DROP TRIGGER outbox_cdrs_insert;
CREATE TRIGGER outbox_cdrs_insert AFTER INSERT ON cdrs
WHEN (SELECT enabled FROM outbox_state WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox(tbl, row_key, payload, queued_us) VALUES ('cdrs', NEW.uuid, json_object(
    'uuid', NEW.uuid, 'linked_uuids', NEW.linked_uuids, 'direction', NEW.direction,
    'caller', NEW.caller, 'caller_name', NEW.caller_name, 'account_id', NEW.account_id,
    'destination', NEW.destination, 'normalised_number', NEW.normalised_number, 'zone', NEW.zone,
    'prefix', NEW.prefix, 'rate_plan', NEW.rate_plan, 'price_per_minute_micros', NEW.price_per_minute_micros,
    'connection_fee_micros', NEW.connection_fee_micros, 'start_us', NEW.start_us, 'answer_us', NEW.answer_us,
    'bridge_us', NEW.bridge_us, 'end_us', NEW.end_us, 'duration_s', NEW.duration_s, 'billsec', NEW.billsec,
    'billusec', NEW.billusec, 'billable_seconds', NEW.billable_seconds, 'cost_micros', NEW.cost_micros,
    'charged_micros', NEW.charged_micros, 'hangup_cause', NEW.hangup_cause, 'disposition', NEW.disposition,
    'deny_reason', NEW.deny_reason, 'gateway', NEW.gateway, 'billed_us', NEW.billed_us,
    'pin_id', NEW.pin_id, 'pin_owner', NEW.pin_owner), NEW.billed_us);
END;
