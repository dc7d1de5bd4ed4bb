-- Advisor (Supabase splinter lint 0006 multiple_permissive_policies, our own text): a table with more
-- than one PERMISSIVE policy for the same role and command. Every permissive policy that applies is
-- evaluated for every row, so each pair is a performance finding. As in the lint: a FOR ALL policy
-- counts for SELECT, INSERT, UPDATE and DELETE; a policy TO PUBLIC counts for every role; roles that
-- bypass RLS (superusers, service_role), pg_* and supabase*admin roles are left out, and so are
-- tables of extensions and the excluded (system and Supabase-internal) schemas.
-- One row per finding: kind, key (stable across runs), detail, objects (the policies, by oid).
SELECT 'multiple_permissive_policies' AS kind,
       format('%%s.%%s %%s %%s', n.nspname, c.relname, r.rolname, act.cmd) AS key,
       format('table %%s.%%s has %%s permissive policies for role %%s on %%s',
              n.nspname, c.relname, count(*), r.rolname, act.cmd) AS detail,
       jsonb_agg(jsonb_build_object('type', 'policy', 'oid', p.oid::bigint,
                                    'name', format('%%s.%%s.%%s', n.nspname, c.relname, p.polname))
                 ORDER BY p.polname) AS objects
FROM pg_catalog.pg_policy AS p
JOIN pg_catalog.pg_class AS c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_roles AS r ON p.polroles @> ARRAY[r.oid] OR p.polroles = ARRAY[0::oid]
CROSS JOIN LATERAL unnest(CASE p.polcmd
                              WHEN 'r' THEN ARRAY['SELECT']
                              WHEN 'a' THEN ARRAY['INSERT']
                              WHEN 'w' THEN ARRAY['UPDATE']
                              WHEN 'd' THEN ARRAY['DELETE']
                              ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']
                          END) AS act(cmd)
WHERE c.relkind IN ('r', 'p')
  AND p.polpermissive
  AND n.nspname <> ALL (%(excluded)s::text[])
  AND r.rolname NOT LIKE 'pg\_%%'
  AND r.rolname NOT LIKE 'supabase%%admin'
  AND NOT r.rolbypassrls
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
GROUP BY n.nspname, c.relname, r.rolname, act.cmd
HAVING count(*) > 1
ORDER BY 2
