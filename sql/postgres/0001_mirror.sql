-- The central mirror's schema (docs/MIRROR.md). Created by the sync worker
-- of the first box that connects; every box of the company writes into the
-- same tables, its rows keyed by (site_id, the row's own key), so a retried
-- batch updates in place and never duplicates. Columns keep the SQLite
-- names and units: money in integer micro-units, times in epoch
-- microseconds UTC (SPEC section 1).

CREATE TABLE IF NOT EXISTS tarifador.accounts (
  site_id                TEXT    NOT NULL,
  id                     BIGINT  NOT NULL,
  name                   TEXT    NOT NULL,
  type                   TEXT    NOT NULL,
  credit_limit_micros    BIGINT  NOT NULL,
  monthly_budget_micros  BIGINT,
  balance_micros         BIGINT  NOT NULL,
  created_us             BIGINT  NOT NULL,
  updated_us             BIGINT  NOT NULL,
  mirrored_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id)
);

CREATE TABLE IF NOT EXISTS tarifador.extensions (
  site_id     TEXT    NOT NULL,
  number      TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  account_id  BIGINT  NOT NULL,
  rate_plan   TEXT,
  enabled     INTEGER NOT NULL,
  created_us  BIGINT  NOT NULL,
  updated_us  BIGINT  NOT NULL,
  mirrored_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, number)
);

-- Append-only at the branch, so rows here never change either.
CREATE TABLE IF NOT EXISTS tarifador.ledger (
  site_id               TEXT    NOT NULL,
  id                    BIGINT  NOT NULL,
  account_id            BIGINT  NOT NULL,
  kind                  TEXT    NOT NULL,
  amount_micros         BIGINT  NOT NULL,
  balance_after_micros  BIGINT  NOT NULL,
  actor                 TEXT    NOT NULL,
  reason                TEXT    NOT NULL,
  at_us                 BIGINT  NOT NULL,
  call_uuid             TEXT,
  idempotency_key       TEXT,
  mirrored_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id)
);
CREATE INDEX IF NOT EXISTS ledger_account ON tarifador.ledger (site_id, account_id, id);

CREATE TABLE IF NOT EXISTS tarifador.cdrs (
  site_id                  TEXT    NOT NULL,
  uuid                     TEXT    NOT NULL,
  linked_uuids             TEXT    NOT NULL,
  direction                TEXT    NOT NULL,
  caller                   TEXT    NOT NULL,
  caller_name              TEXT    NOT NULL,
  account_id               BIGINT,
  destination              TEXT    NOT NULL,
  normalised_number        TEXT    NOT NULL,
  zone                     TEXT    NOT NULL,
  prefix                   TEXT    NOT NULL,
  rate_plan                TEXT    NOT NULL,
  price_per_minute_micros  BIGINT  NOT NULL,
  connection_fee_micros    BIGINT  NOT NULL,
  start_us                 BIGINT  NOT NULL,
  answer_us                BIGINT  NOT NULL,
  bridge_us                BIGINT  NOT NULL,
  end_us                   BIGINT  NOT NULL,
  duration_s               BIGINT  NOT NULL,
  billsec                  BIGINT  NOT NULL,
  billusec                 BIGINT  NOT NULL,
  billable_seconds         BIGINT  NOT NULL,
  cost_micros              BIGINT  NOT NULL,
  charged_micros           BIGINT  NOT NULL,
  hangup_cause             TEXT    NOT NULL,
  disposition              TEXT    NOT NULL,
  deny_reason              TEXT    NOT NULL,
  gateway                  TEXT    NOT NULL,
  billed_us                BIGINT  NOT NULL,
  mirrored_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, uuid)
);
CREATE INDEX IF NOT EXISTS cdrs_start ON tarifador.cdrs (start_us);
CREATE INDEX IF NOT EXISTS cdrs_site_start ON tarifador.cdrs (site_id, start_us);
