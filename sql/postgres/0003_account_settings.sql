-- The accounts' spending settings (docs/MIRROR.md): NULL in rows a box
-- queued before it mirrored them.
ALTER TABLE tarifador.accounts ADD COLUMN IF NOT EXISTS budget_mode TEXT;
ALTER TABLE tarifador.accounts ADD COLUMN IF NOT EXISTS budget_warn_percent INTEGER;
ALTER TABLE tarifador.accounts ADD COLUMN IF NOT EXISTS low_balance_micros BIGINT;
