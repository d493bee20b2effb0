-- The box's outbound calls and charges per hour (docs/BILLING.md "Spike
-- detector"), kept in the charges' transactions: the spike detector compares
-- this hour with the same hour of the last 7 days by reading 8 rows, not the
-- CDRs. `hour` is epoch hours (UTC); the office's hours are whole hours of it
-- in every time zone with a whole-hour offset.
CREATE TABLE spend_hours (
  hour         INTEGER PRIMARY KEY,
  calls        INTEGER NOT NULL CHECK (calls >= 0),       -- outbound CDRs started in it, refused ones too
  cost_micros  INTEGER NOT NULL CHECK (cost_micros >= 0)  -- what they were charged
);

INSERT INTO spend_hours(hour, calls, cost_micros)
  SELECT start_us / 3600000000, count(*), sum(charged_micros)
  FROM cdrs WHERE direction = 'outbound' AND start_us > 0
  GROUP BY 1;
