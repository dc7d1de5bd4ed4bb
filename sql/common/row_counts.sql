-- Exact row counts of every table in the given schemas, in one statement (query_to_xml runs a
-- count(*) per table); estimates from pg_class would not prove a restore or a rollback exact.
SELECT t.table_schema || '.' || t.table_name AS "table",
       (xpath('/row/c/text()',
              query_to_xml(format('SELECT count(*) AS c FROM %%I.%%I', t.table_schema, t.table_name),
                           false, true, '')))[1]::text::bigint AS row_count
FROM information_schema.tables t
WHERE t.table_schema = ANY (%(schemas)s::text[])
  AND t.table_type = 'BASE TABLE'
ORDER BY 1
