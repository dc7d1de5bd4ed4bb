-- Where pg_stat_statements is installed in this database, if it is (Supabase: schema extensions).
SELECT n.nspname AS schema, e.extversion AS version
FROM pg_extension AS e
JOIN pg_namespace AS n ON n.oid = e.extnamespace
WHERE e.extname = 'pg_stat_statements'
