-- The accounts' spending settings go to head office too (docs/MIRROR.md):
-- the budget's mode and warning, and the low-balance threshold. The outbox
-- triggers of sql/0005_outbox.sql are made again with them.
DROP TRIGGER outbox_accounts_insert;
DROP TRIGGER outbox_accounts_update;

CREATE TRIGGER outbox_accounts_insert AFTER INSERT ON accounts
WHEN (SELECT enabled FROM outbox_state WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox(tbl, row_key, payload, queued_us) VALUES ('accounts', CAST(NEW.id AS TEXT), json_object(
    'id', NEW.id, 'name', NEW.name, 'type', NEW.type, 'credit_limit_micros', NEW.credit_limit_micros,
    'monthly_budget_micros', NEW.monthly_budget_micros, 'balance_micros', NEW.balance_micros,
    'created_us', NEW.created_us, 'updated_us', NEW.updated_us, 'budget_mode', NEW.budget_mode,
    'budget_warn_percent', NEW.budget_warn_percent, 'low_balance_micros', NEW.low_balance_micros), NEW.updated_us);
END;

CREATE TRIGGER outbox_accounts_update
AFTER UPDATE OF name, type, credit_limit_micros, monthly_budget_micros, balance_micros, budget_mode,
  budget_warn_percent, low_balance_micros ON accounts
WHEN (SELECT enabled FROM outbox_state WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox(tbl, row_key, payload, queued_us) VALUES ('accounts', CAST(NEW.id AS TEXT), json_object(
    'id', NEW.id, 'name', NEW.name, 'type', NEW.type, 'credit_limit_micros', NEW.credit_limit_micros,
    'monthly_budget_micros', NEW.monthly_budget_micros, 'balance_micros', NEW.balance_micros,
    'created_us', NEW.created_us, 'updated_us', NEW.updated_us, 'budget_mode', NEW.budget_mode,
    'budget_warn_percent', NEW.budget_warn_percent, 'low_balance_micros', NEW.low_balance_micros), NEW.updated_us);
END;
