-- Validity of one index of menuca_v3 by name (NULL row when it does not exist).
SELECT i.indisvalid AS valid, i.indisready AS ready
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'menuca_v3' AND c.relname = %(name)s
