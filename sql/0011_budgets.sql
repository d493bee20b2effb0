-- Monthly budgets, enforced (SPEC 3, docs/BILLING.md "Monthly budgets"): what
-- reaching the budget does, where the warning starts, and what each
-- account's calls charged per budget month, kept in the same transaction as
-- the charges so a budget check is one row away (the CDRs of a busy month
-- would be thousands of rows to sum on every call).
ALTER TABLE accounts ADD COLUMN budget_mode TEXT NOT NULL DEFAULT 'block'
  CHECK (budget_mode IN ('block', 'alert'));
ALTER TABLE accounts ADD COLUMN budget_warn_percent INTEGER NOT NULL DEFAULT 80
  CHECK (budget_warn_percent BETWEEN 1 AND 100);

-- month: the office time zone's calendar month of the call's start, YYYYMM.
CREATE TABLE budget_spend (
  account_id   INTEGER NOT NULL REFERENCES accounts(id),
  month        INTEGER NOT NULL CHECK (month BETWEEN 197001 AND 999912),
  spent_micros INTEGER NOT NULL CHECK (spent_micros >= 0),
  PRIMARY KEY (account_id, month)
) WITHOUT ROWID;

-- The calls billed before this version, counted in the process's time zone
-- (the office's: it is set before the store opens).
INSERT INTO budget_spend(account_id, month, spent_micros)
  SELECT account_id, CAST(strftime('%Y%m', start_us / 1000000, 'unixepoch', 'localtime') AS INTEGER),
         sum(charged_micros)
  FROM cdrs WHERE account_id IS NOT NULL AND charged_micros > 0
  GROUP BY 1, 2;
