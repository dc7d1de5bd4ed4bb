-- Row Level Security flags of every table of menuca_v3.
SELECT c.relname AS "table", c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'menuca_v3' AND c.relkind IN ('r', 'p')
ORDER BY c.relname
