-- apply_rls: DROP INDEX CONCURRENTLY for each backing index it built (each run alone, in
-- autocommit: a concurrent drop cannot run in a transaction block).
SELECT format('DROP INDEX CONCURRENTLY IF EXISTS menuca_v3.%%I', i.name) AS statement
FROM unnest(%(names)s::text[]) AS i(name)
ORDER BY i.name COLLATE "C"
