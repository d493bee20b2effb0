-- Spending limits below the box-wide guards: each extension's own guard
-- settings (docs/BILLING.md "Per-extension guards"; NULL: the box-wide
-- guard, 0: off for this extension). Local policy: not mirrored.
ALTER TABLE extensions ADD COLUMN guard_price_micros INTEGER CHECK (guard_price_micros IS NULL OR guard_price_micros >= 0);
ALTER TABLE extensions ADD COLUMN guard_call_cost_micros INTEGER
  CHECK (guard_call_cost_micros IS NULL OR guard_call_cost_micros >= 0);
ALTER TABLE extensions ADD COLUMN guard_concurrent_calls INTEGER
  CHECK (guard_concurrent_calls IS NULL OR guard_concurrent_calls BETWEEN 0 AND 1000);
ALTER TABLE extensions ADD COLUMN guard_calls_per_hour INTEGER
  CHECK (guard_calls_per_hour IS NULL OR guard_calls_per_hour BETWEEN 0 AND 100000);
ALTER TABLE extensions ADD COLUMN guard_repeats_per_hour INTEGER
  CHECK (guard_repeats_per_hour IS NULL OR guard_repeats_per_hour BETWEEN 0 AND 1000);
ALTER TABLE extensions ADD COLUMN guard_international_any_time INTEGER NOT NULL DEFAULT 0
  CHECK (guard_international_any_time IN (0, 1));

-- The daily spend cap (docs/BILLING.md "Daily spend cap"): each account's own
-- cap (NULL takes the box-wide guards.max_daily_spend; 0: no cap), and what
-- each account's calls charged per office day, kept in the same transaction
-- as the charges as budget_spend is, so a check is one row away.
ALTER TABLE accounts ADD COLUMN daily_limit_micros INTEGER CHECK (daily_limit_micros IS NULL OR daily_limit_micros >= 0);

-- day: the office time zone's calendar day of the call's start, YYYYMMDD.
CREATE TABLE day_spend (
  account_id   INTEGER NOT NULL REFERENCES accounts(id),
  day          INTEGER NOT NULL CHECK (day BETWEEN 19700101 AND 99991231),
  spent_micros INTEGER NOT NULL CHECK (spent_micros >= 0),
  PRIMARY KEY (account_id, day)
) WITHOUT ROWID;

-- The calls billed before this version, counted in the process's time zone
-- (the office's: it is set before the store opens).
INSERT INTO day_spend(account_id, day, spent_micros)
  SELECT account_id, CAST(strftime('%Y%m%d', start_us / 1000000, 'unixepoch', 'localtime') AS INTEGER),
         sum(charged_micros)
  FROM cdrs WHERE account_id IS NOT NULL AND charged_micros > 0
  GROUP BY 1, 2;

-- The cap goes to head office with the other spending settings
-- (docs/MIRROR.md): the outbox triggers are made again with it.
DROP TRIGGER outbox_accounts_insert;
DROP TRIGGER outbox_accounts_update;

CREATE TRIGGER outbox_accounts_insert AFTER INSERT ON accounts
WHEN (SELECT enabled FROM outbox_state WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox(tbl, row_key, payload, queued_us) VALUES ('accounts', CAST(NEW.id AS TEXT), json_object(
    'id', NEW.id, 'name', NEW.name, 'type', NEW.type, 'credit_limit_micros', NEW.credit_limit_micros,
    'monthly_budget_micros', NEW.monthly_budget_micros, 'balance_micros', NEW.balance_micros,
    'created_us', NEW.created_us, 'updated_us', NEW.updated_us, 'budget_mode', NEW.budget_mode,
    'budget_warn_percent', NEW.budget_warn_percent, 'low_balance_micros', NEW.low_balance_micros,
    'daily_limit_micros', NEW.daily_limit_micros), NEW.updated_us);
END;

CREATE TRIGGER outbox_accounts_update
AFTER UPDATE OF name, type, credit_limit_micros, monthly_budget_micros, balance_micros, budget_mode,
  budget_warn_percent, low_balance_micros, daily_limit_micros ON accounts
WHEN (SELECT enabled FROM outbox_state WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox(tbl, row_key, payload, queued_us) VALUES ('accounts', CAST(NEW.id AS TEXT), json_object(
    'id', NEW.id, 'name', NEW.name, 'type', NEW.type, 'credit_limit_micros', NEW.credit_limit_micros,
    'monthly_budget_micros', NEW.monthly_budget_micros, 'balance_micros', NEW.balance_micros,
    'created_us', NEW.created_us, 'updated_us', NEW.updated_us, 'budget_mode', NEW.budget_mode,
    'budget_warn_percent', NEW.budget_warn_percent, 'low_balance_micros', NEW.low_balance_micros,
    'daily_limit_micros', NEW.daily_limit_micros), NEW.updated_us);
END;
