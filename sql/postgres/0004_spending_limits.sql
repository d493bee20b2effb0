-- The accounts' daily spend cap (docs/MIRROR.md): NULL in rows a box queued
-- before it mirrored it, and for accounts under the box-wide cap.
ALTER TABLE tarifador.accounts ADD COLUMN IF NOT EXISTS daily_limit_micros BIGINT;
