-- Advisor: the oids of objects a tool of this run has just created in menuca_v3, named by the tool,
-- so that validate can tell them (recorded in the journal) from anyone else's: policies (table,
-- name), functions (name: every overload), indexes (name) and the tables whose RLS flag it turned on.
SELECT 'policy' AS type, p.oid::bigint AS oid, format('menuca_v3.%%s.%%s', c.relname, p.polname) AS name
FROM pg_catalog.pg_policy AS p
JOIN pg_catalog.pg_class AS c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
JOIN unnest(%(policy_tables)s::text[], %(policy_names)s::text[]) AS want(tbl, name)
  ON want.tbl = c.relname AND want.name = p.polname
WHERE n.nspname = 'menuca_v3'
UNION ALL
SELECT 'function', p.oid::bigint,
       format('menuca_v3.%%s(%%s)', p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid))
FROM pg_catalog.pg_proc AS p
JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname = 'menuca_v3' AND p.proname = ANY (%(functions)s::text[])
UNION ALL
SELECT 'index', c.oid::bigint, format('menuca_v3.%%s', c.relname)
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'menuca_v3' AND c.relkind IN ('i', 'I') AND c.relname = ANY (%(indexes)s::text[])
UNION ALL
SELECT 'rls', c.oid::bigint, format('menuca_v3.%%s', c.relname)
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'menuca_v3' AND c.relkind IN ('r', 'p') AND c.relrowsecurity
  AND c.relname = ANY (%(rls_tables)s::text[])
ORDER BY 1, 3
