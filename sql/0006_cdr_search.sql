-- Indexes for the CDR search and reports (docs/API.md "CDRs and reports",
-- src/store/cdr_query.cpp), chosen with tests/bench/cdr_search_bench.cpp on
-- 1 000 000 CDRs (figures in docs/PERFORMANCE.md). Each index slows every
-- CDR insert a little, so only filters that the time index cannot serve well
-- get one; the others (extension, account) already have theirs in 0004.

-- Newest-first pages order by (start_us DESC, uuid DESC): with uuid in the
-- index, ties need no sort and a cursor seeks straight to its position.
-- Same name, one more column.
DROP INDEX cdrs_start;
CREATE INDEX cdrs_start ON cdrs(start_us, uuid);

-- direction = ? / zone = ? over a time range, newest first.
CREATE INDEX cdrs_direction_start ON cdrs(direction, start_us);
CREATE INDEX cdrs_zone_start ON cdrs(zone, start_us);

-- prefix: normalised_number >= 'p' AND < 'p+1' (a range scan; LIKE 'p%'
-- could not use it).
CREATE INDEX cdrs_number ON cdrs(normalised_number);
