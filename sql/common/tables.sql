-- The tables of the given schemas, for the per-table figures (row counts, checksums, max ids) that
-- tools/lib/per_table.py gathers in one UNION ALL statement over them.
SELECT n.nspname AS schema, c.relname AS name
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = ANY (%(schemas)s::text[])
  AND c.relkind IN ('r', 'p')
ORDER BY 1, 2
