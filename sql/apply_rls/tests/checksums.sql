-- An md5 over every row of every table of menuca_v3 (in id order) and its row count, read as the
-- owner before and after the matrix: equal values prove the matrix left every row as it was.
SELECT c.relname AS "table",
       (xpath('/row/h/text()',
              query_to_xml(format('SELECT count(*) || %%L || md5(coalesce(string_agg(t::text, %%L ORDER BY t.id), %%L)) AS h FROM menuca_v3.%%I AS t',
                                  ':', E'\n', '', c.relname),
                           false, true, '')))[1]::text AS checksum
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'menuca_v3' AND c.relkind IN ('r', 'p')
ORDER BY c.relname
