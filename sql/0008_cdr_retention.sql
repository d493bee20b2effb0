-- CDR retention (docs/OPERATIONS.md "CDR retention", src/store/cdr_retention.cpp):
-- a CDR may be pruned only once an 'ok' export run covers its start and, while
-- the mirror is on, no outbox row for it waits. Both questions are asked once
-- per candidate CDR, so both get an index (checked with EXPLAIN QUERY PLAN in
-- tests/unit/store/cdr_retention_test.cpp).

-- "Is an outbox row for CDR <uuid> still pending?": without it every
-- candidate would scan the whole outbox, which grows while PostgreSQL is
-- down. Partial: only CDR rows are looked up by key.
CREATE INDEX outbox_cdr_key ON outbox(row_key) WHERE tbl = 'cdrs';

-- "Which successful run covers this start time?": a range seek instead of a
-- scan of every run.
CREATE INDEX export_runs_ok_range ON export_runs(kind, from_us, to_us) WHERE status = 'ok';
