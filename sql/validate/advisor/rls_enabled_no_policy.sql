-- Advisor (Supabase splinter lint 0008 rls_enabled_no_policy, our own text): a table with Row Level
-- Security enabled and no policy at all, so that every role RLS applies to sees and writes nothing.
SELECT 'rls_enabled_no_policy' AS kind,
       format('%%s.%%s', n.nspname, c.relname) AS key,
       format('table %%s.%%s has RLS enabled but no policy', n.nspname, c.relname) AS detail,
       jsonb_build_array(jsonb_build_object('type', 'rls', 'oid', c.oid::bigint,
                                            'name', format('%%s.%%s', n.nspname, c.relname))) AS objects
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND c.relrowsecurity
  AND n.nspname <> ALL (%(excluded)s::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy AS p WHERE p.polrelid = c.oid)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 2
