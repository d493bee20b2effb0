-- The CSV export's log (docs/EXPORT.md): one row per scheduled file run, so
-- the scheduler knows which daily and monthly periods are done and makes the
-- missing ones (after a power-off) at the next start; the status API shows
-- the last runs. A period is done when it has a row with status 'ok'.
CREATE TABLE export_runs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT    NOT NULL CHECK (kind IN ('daily', 'monthly')),
  period       TEXT    NOT NULL,               -- "2026-11-21" or "2026-11" (office time zone)
  file         TEXT    NOT NULL,               -- absolute path written
  from_us      INTEGER NOT NULL,               -- period start, UTC epoch micros (inclusive)
  to_us        INTEGER NOT NULL,               -- period end (exclusive)
  rows         INTEGER NOT NULL DEFAULT 0 CHECK (rows >= 0),
  sha256       TEXT    NOT NULL DEFAULT '',    -- hex SHA-256 of the file
  status       TEXT    NOT NULL CHECK (status IN ('ok', 'failed')),
  error        TEXT    NOT NULL DEFAULT '',
  started_us   INTEGER NOT NULL,
  finished_us  INTEGER NOT NULL
);
CREATE INDEX export_runs_period ON export_runs(kind, period, status);
CREATE INDEX export_runs_finished ON export_runs(finished_us);
