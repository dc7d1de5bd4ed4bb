-- Advisor: every object a finding can name, by (type, oid), in the schemas the lints look at: what
-- preflight records, so that validate can tell an object that was there before the run from one
-- made since. Types: policy, function, index, constraint (foreign keys), rls (a table's RLS flag).
SELECT 'policy' AS type, p.oid::bigint AS oid
FROM pg_catalog.pg_policy AS p
JOIN pg_catalog.pg_class AS c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname <> ALL (%(excluded)s::text[])
UNION ALL
SELECT 'function', p.oid::bigint
FROM pg_catalog.pg_proc AS p
JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname <> ALL (%(excluded)s::text[])
UNION ALL
SELECT 'index', c.oid::bigint
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('i', 'I') AND n.nspname <> ALL (%(excluded)s::text[])
UNION ALL
SELECT 'constraint', con.oid::bigint
FROM pg_catalog.pg_constraint AS con
JOIN pg_catalog.pg_namespace AS n ON n.oid = con.connamespace
WHERE con.contype = 'f' AND n.nspname <> ALL (%(excluded)s::text[])
UNION ALL
SELECT 'rls', c.oid::bigint
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL (%(excluded)s::text[])
ORDER BY 1, 2
