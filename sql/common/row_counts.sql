-- One table's exact row count; tools/lib/per_table.py joins one of these per table with UNION ALL
-- into a single statement. Estimates from pg_class would not prove a restore or a rollback exact.
-- {label}: 'schema.table' as a literal; {table}: the qualified identifier.
SELECT {label} AS "table", count(*) AS row_count FROM {table}
