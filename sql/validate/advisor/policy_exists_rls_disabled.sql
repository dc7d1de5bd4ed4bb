-- Advisor (Supabase splinter lint 0007 policy_exists_rls_disabled, our own text): a table with
-- policies but Row Level Security disabled, so that none of them applies.
SELECT 'policy_exists_rls_disabled' AS kind,
       format('%%s.%%s', n.nspname, c.relname) AS key,
       format('table %%s.%%s has %%s policies but RLS is disabled', n.nspname, c.relname, count(*)) AS detail,
       jsonb_build_array(jsonb_build_object('type', 'rls', 'oid', c.oid::bigint,
                                            'name', format('%%s.%%s', n.nspname, c.relname)))
       || jsonb_agg(jsonb_build_object('type', 'policy', 'oid', p.oid::bigint,
                                       'name', format('%%s.%%s.%%s', n.nspname, c.relname, p.polname))
                    ORDER BY p.polname) AS objects
FROM pg_catalog.pg_policy AS p
JOIN pg_catalog.pg_class AS c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relrowsecurity
  AND n.nspname <> ALL (%(excluded)s::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
GROUP BY n.nspname, c.relname, c.oid
ORDER BY 2
