-- Every column of the application schemas with its type: what preflight compares with the schema the
-- tools use (tools/lib/schema.py). typname is compared; format_type is what a person reads.
SELECT n.nspname AS schema,
       c.relname AS "table",
       a.attname AS "column",
       t.typname AS type,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS shown
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE n.nspname = ANY (%(schemas)s::text[])
  AND c.relkind IN ('r', 'p')
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY 1, 2, 3
