-- Live rows of every menuca_v3 table as the statistics count them (kept up to date by every committed
-- insert and delete; ANALYZE replaces them with its estimate): cheap enough for every health sample.
-- A table that looks smaller than at the window's start is then counted exactly (count_rows.sql).
SELECT s.schemaname || '.' || s.relname AS "table", s.n_live_tup AS row_count
FROM pg_stat_user_tables AS s
WHERE s.schemaname = 'menuca_v3'
ORDER BY 1
