-- For every table of menuca_v3: an id far above its largest one (max(id) + offset). The matrix
-- inserts with explicit ids from there, so that no test calls a sequence and none collides with a
-- real row or with a row inserted meanwhile.
SELECT c.relname AS "table",
       coalesce((xpath('/row/m/text()',
                       query_to_xml(format('SELECT max(id) AS m FROM menuca_v3.%%I', c.relname),
                                    false, true, '')))[1]::text::bigint, 0) + %(offset)s AS base
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'menuca_v3' AND c.relkind IN ('r', 'p')
ORDER BY c.relname
