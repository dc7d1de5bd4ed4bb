-- Every index of the schemas with its full definition and validity: the baseline a rollback must
-- return to exactly, and the input of the equivalence test (pg_index fields compared one by one). The
-- oid tells the index a run built from another one created later under the same name.
SELECT n.nspname AS schema,
       c.oid::bigint AS oid,
       c.relname AS name,
       t.relname AS "table",
       pg_get_indexdef(i.indexrelid) AS definition,
       i.indisvalid AS valid,
       i.indisready AS ready,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       con.conname AS constraint_name
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')
WHERE n.nspname = ANY (%(schemas)s::text[])
ORDER BY n.nspname, c.relname
