-- Accounts, extensions, the ledger, reservations and CDRs (SPEC sections 3
-- and 4, docs/BILLING.md). Money is INTEGER micro-units (1e-6), times are
-- epoch microseconds UTC.

CREATE TABLE accounts (
  id                     INTEGER PRIMARY KEY,
  name                   TEXT    NOT NULL UNIQUE,
  type                   TEXT    NOT NULL CHECK (type IN ('prepaid', 'postpaid')),
  credit_limit_micros    INTEGER NOT NULL DEFAULT 0 CHECK (credit_limit_micros >= 0),
  monthly_budget_micros  INTEGER CHECK (monthly_budget_micros IS NULL OR monthly_budget_micros >= 0),
  -- Always the sum of the account's ledger rows (`tarifador check`: ledger_balances).
  balance_micros         INTEGER NOT NULL DEFAULT 0,
  -- Always the sum of the account's open reservations.
  reserved_micros        INTEGER NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  created_us             INTEGER NOT NULL,
  updated_us             INTEGER NOT NULL
);

CREATE TABLE extensions (
  number      TEXT    PRIMARY KEY,
  name        TEXT    NOT NULL DEFAULT '',
  account_id  INTEGER NOT NULL REFERENCES accounts(id),
  rate_plan   TEXT,  -- NULL: the configured default plan
  enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_us  INTEGER NOT NULL,
  updated_us  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX extensions_account ON extensions(account_id);

-- Append-only: the triggers below refuse every UPDATE and DELETE.
CREATE TABLE ledger (
  id                    INTEGER PRIMARY KEY,
  account_id            INTEGER NOT NULL REFERENCES accounts(id),
  kind                  TEXT    NOT NULL CHECK (kind IN ('recharge', 'call_charge', 'refund', 'adjustment')),
  amount_micros         INTEGER NOT NULL CHECK (amount_micros <> 0),
  balance_after_micros  INTEGER NOT NULL,
  actor                 TEXT    NOT NULL,
  reason                TEXT    NOT NULL DEFAULT '',
  at_us                 INTEGER NOT NULL,
  call_uuid             TEXT,
  idempotency_key       TEXT UNIQUE,
  CHECK (kind <> 'call_charge' OR (amount_micros < 0 AND call_uuid IS NOT NULL)),
  CHECK (kind NOT IN ('recharge', 'refund') OR amount_micros > 0)
);
CREATE INDEX ledger_account ON ledger(account_id, id);
-- A call is charged at most once, whatever happens above.
CREATE UNIQUE INDEX ledger_one_charge_per_call ON ledger(call_uuid) WHERE kind = 'call_charge';
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
  SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE refused');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
  SELECT RAISE(ABORT, 'ledger rows are append-only: DELETE refused');
END;

-- Money held for live outbound calls; a row lives from authorization to billing.
CREATE TABLE reservations (
  call_uuid      TEXT    PRIMARY KEY,
  account_id     INTEGER NOT NULL REFERENCES accounts(id),
  amount_micros  INTEGER NOT NULL CHECK (amount_micros >= 0),
  covered_s      INTEGER NOT NULL CHECK (covered_s >= 0),
  created_us     INTEGER NOT NULL,
  updated_us     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX reservations_account ON reservations(account_id);

-- One row per call, keyed by the originating leg's uuid: inserting it is what
-- makes billing idempotent.
CREATE TABLE cdrs (
  uuid                     TEXT    PRIMARY KEY,
  linked_uuids             TEXT    NOT NULL DEFAULT '',  -- the other legs, comma-separated
  site_id                  TEXT    NOT NULL DEFAULT '',
  direction                TEXT    NOT NULL CHECK (direction IN ('outbound', 'internal', 'inbound')),
  caller                   TEXT    NOT NULL DEFAULT '',
  caller_name              TEXT    NOT NULL DEFAULT '',
  account_id               INTEGER REFERENCES accounts(id),
  destination              TEXT    NOT NULL DEFAULT '',
  normalised_number        TEXT    NOT NULL DEFAULT '',
  zone                     TEXT    NOT NULL DEFAULT '',
  prefix                   TEXT    NOT NULL DEFAULT '',
  rate_plan                TEXT    NOT NULL DEFAULT '',
  price_per_minute_micros  INTEGER NOT NULL DEFAULT 0,
  connection_fee_micros    INTEGER NOT NULL DEFAULT 0,
  start_us                 INTEGER NOT NULL,
  answer_us                INTEGER NOT NULL DEFAULT 0,
  bridge_us                INTEGER NOT NULL DEFAULT 0,
  end_us                   INTEGER NOT NULL DEFAULT 0,
  duration_s               INTEGER NOT NULL DEFAULT 0,
  billsec                  INTEGER NOT NULL DEFAULT 0 CHECK (billsec >= 0),
  billusec                 INTEGER NOT NULL DEFAULT 0 CHECK (billusec >= 0),
  billable_seconds         INTEGER NOT NULL DEFAULT 0 CHECK (billable_seconds >= 0),
  cost_micros              INTEGER NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
  charged_micros           INTEGER NOT NULL DEFAULT 0 CHECK (charged_micros >= 0 AND charged_micros <= cost_micros),
  hangup_cause             TEXT    NOT NULL DEFAULT '',
  disposition              TEXT    NOT NULL CHECK (disposition IN
                             ('answered', 'no_answer', 'busy', 'failed', 'denied', 'cut_off_no_funds')),
  deny_reason              TEXT    NOT NULL DEFAULT '',
  gateway                  TEXT    NOT NULL DEFAULT '',
  billed_us                INTEGER NOT NULL  -- when the row was written
);
-- The UI's queries: by time, by caller over time, by account over time.
CREATE INDEX cdrs_start ON cdrs(start_us);
CREATE INDEX cdrs_caller_start ON cdrs(caller, start_us);
CREATE INDEX cdrs_account_start ON cdrs(account_id, start_us);
