-- The PostgreSQL mirror's outbox (SPEC section 6, docs/MIRROR.md). Every CDR,
-- ledger row and account or extension change is queued here by the AFTER
-- triggers below, so it joins the very transaction that made the change,
-- whatever code path made it (billing, API, CLI import). The sync worker
-- pushes rows in id order and deletes them only after PostgreSQL committed.
--
-- Queued only while outbox_state.enabled = 1: a box that never mirrors does
-- not grow a table nobody drains. The worker sets it at start; turning the
-- mirror on queues every existing row once (a backfill; the upsert keyed by
-- (site_id, key) makes a repeated push harmless).

CREATE TABLE outbox_state (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  enabled  INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1))
);
INSERT INTO outbox_state(id, enabled) VALUES (1, 0);

-- AUTOINCREMENT: ids are never reused, so "pushed up to id N" stays true
-- after rows were deleted.
CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  tbl        TEXT    NOT NULL CHECK (tbl IN ('cdrs', 'ledger', 'accounts', 'extensions')),
  row_key    TEXT    NOT NULL,  -- cdrs.uuid, ledger.id, accounts.id, extensions.number
  payload    TEXT    NOT NULL,  -- json_object of the row as it is now
  queued_us  INTEGER NOT NULL   -- the change's own time (billed_us, at_us, updated_us)
);

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
    'deny_reason', NEW.deny_reason, 'gateway', NEW.gateway, 'billed_us', NEW.billed_us), NEW.billed_us);
END;

CREATE TRIGGER outbox_ledger_insert AFTER INSERT ON ledger
WHEN (SELECT enabled FROM outbox_state WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox(tbl, row_key, payload, queued_us) VALUES ('ledger', CAST(NEW.id AS TEXT), json_object(
    'id', NEW.id, 'account_id', NEW.account_id, 'kind', NEW.kind, 'amount_micros', NEW.amount_micros,
    'balance_after_micros', NEW.balance_after_micros, 'actor', NEW.actor, 'reason', NEW.reason,
    'at_us', NEW.at_us, 'call_uuid', NEW.call_uuid, 'idempotency_key', NEW.idempotency_key), NEW.at_us);
END;

-- reserved_micros is left out: it moves every debit interval of every live
-- call and is not money that moved (the ledger is).
CREATE TRIGGER outbox_accounts_insert AFTER INSERT ON accounts
WHEN (SELECT enabled FROM outbox_state WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox(tbl, row_key, payload, queued_us) VALUES ('accounts', CAST(NEW.id AS TEXT), json_object(
    'id', NEW.id, 'name', NEW.name, 'type', NEW.type, 'credit_limit_micros', NEW.credit_limit_micros,
    'monthly_budget_micros', NEW.monthly_budget_micros, 'balance_micros', NEW.balance_micros,
    'created_us', NEW.created_us, 'updated_us', NEW.updated_us), NEW.updated_us);
END;

CREATE TRIGGER outbox_accounts_update
AFTER UPDATE OF name, type, credit_limit_micros, monthly_budget_micros, balance_micros ON accounts
WHEN (SELECT enabled FROM outbox_state WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox(tbl, row_key, payload, queued_us) VALUES ('accounts', CAST(NEW.id AS TEXT), json_object(
    'id', NEW.id, 'name', NEW.name, 'type', NEW.type, 'credit_limit_micros', NEW.credit_limit_micros,
    'monthly_budget_micros', NEW.monthly_budget_micros, 'balance_micros', NEW.balance_micros,
    'created_us', NEW.created_us, 'updated_us', NEW.updated_us), NEW.updated_us);
END;

CREATE TRIGGER outbox_extensions_insert AFTER INSERT ON extensions
WHEN (SELECT enabled FROM outbox_state WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox(tbl, row_key, payload, queued_us) VALUES ('extensions', NEW.number, json_object(
    'number', NEW.number, 'name', NEW.name, 'account_id', NEW.account_id, 'rate_plan', NEW.rate_plan,
    'enabled', NEW.enabled, 'created_us', NEW.created_us, 'updated_us', NEW.updated_us), NEW.updated_us);
END;

CREATE TRIGGER outbox_extensions_update AFTER UPDATE ON extensions
WHEN (SELECT enabled FROM outbox_state WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox(tbl, row_key, payload, queued_us) VALUES ('extensions', NEW.number, json_object(
    'number', NEW.number, 'name', NEW.name, 'account_id', NEW.account_id, 'rate_plan', NEW.rate_plan,
    'enabled', NEW.enabled, 'created_us', NEW.created_us, 'updated_us', NEW.updated_us), NEW.updated_us);
END;
