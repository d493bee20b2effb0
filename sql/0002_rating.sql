-- Rate plans and their rates (SPEC section 2, docs/RATING.md).
-- Money is INTEGER micro-units (1e-6), times are epoch microseconds UTC.

CREATE TABLE rate_plans (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  decimals    INTEGER NOT NULL DEFAULT 4 CHECK (decimals BETWEEN 0 AND 6),
  rounding    TEXT    NOT NULL DEFAULT 'up' CHECK (rounding IN ('up', 'half_up', 'down')),
  created_us  INTEGER NOT NULL,
  updated_us  INTEGER NOT NULL    -- last settings change or rate import
);

CREATE TABLE rates (
  id                      INTEGER PRIMARY KEY,
  plan_id                 INTEGER NOT NULL REFERENCES rate_plans(id) ON DELETE CASCADE,
  prefix                  TEXT    NOT NULL CHECK (length(prefix) BETWEEN 1 AND 32),
  zone                    TEXT    NOT NULL,
  price_per_minute_micros INTEGER NOT NULL CHECK (price_per_minute_micros >= 0),
  connection_fee_micros   INTEGER NOT NULL DEFAULT 0 CHECK (connection_fee_micros >= 0),
  initial_increment_s     INTEGER NOT NULL DEFAULT 60 CHECK (initial_increment_s BETWEEN 0 AND 86400),
  increment_s             INTEGER NOT NULL DEFAULT 60 CHECK (increment_s BETWEEN 1 AND 86400),
  min_duration_s          INTEGER NOT NULL DEFAULT 0 CHECK (min_duration_s BETWEEN 0 AND 86400),
  grace_s                 INTEGER NOT NULL DEFAULT 0 CHECK (grace_s BETWEEN 0 AND 86400),
  priority                INTEGER NOT NULL DEFAULT 100,
  effective_from_us       INTEGER NOT NULL DEFAULT 0,
  effective_to_us         INTEGER,  -- NULL: open-ended; exclusive otherwise
  blocked                 INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
  -- The deck parser refuses duplicates; the index also serves "rates of a plan by prefix".
  UNIQUE (plan_id, prefix, effective_from_us, priority)
);
