-- A low-balance threshold per prepaid account (docs/ALERTS.md "low_balance"):
-- NULL takes the box-wide alerts.low_balance; '0' never alerts.
ALTER TABLE accounts ADD COLUMN low_balance_micros INTEGER CHECK (low_balance_micros IS NULL OR low_balance_micros >= 0);
