-- The first key column of every index of menuca_v3, with what decides whether it can back a policy
-- column: valid and ready, not partial, not an expression.
SELECT t.relname AS "table",
       c.relname AS name,
       a.attname AS first_column,
       i.indisvalid AND i.indisready AS valid,
       i.indpred IS NOT NULL AS partial
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
JOIN pg_class AS t ON t.oid = i.indrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
LEFT JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] AND i.indkey[0] <> 0
WHERE n.nspname = 'menuca_v3'
ORDER BY t.relname, c.relname
