-- Every table of menuca_v3, in the fixed (byte-wise alphabetical) order apply_rls locks them in.
SELECT c.relname AS "table"
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'menuca_v3' AND c.relkind IN ('r', 'p')
ORDER BY c.relname COLLATE "C"
