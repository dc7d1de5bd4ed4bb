-- apply_rls: CREATE POLICY statements that recreate policies exactly as a snapshot recorded them
-- (rows of sql/common/policies.sql as JSON: table, name, permissive, roles, cmd, qual, with_check).
-- Used by a rollback to put back what the baseline had; identifiers quoted by format(), the
-- expressions are PostgreSQL's own deparsed text from pg_policies.
SELECT format(
           'CREATE POLICY %%I ON menuca_v3.%%I AS %%s FOR %%s TO %%s%%s%%s',
           p.name,
           p.tbl,
           p.permissive,
           p.cmd,
           (SELECT string_agg(CASE WHEN r = 'public' THEN 'PUBLIC' ELSE quote_ident(r) END, ', ')
            FROM unnest(p.roles) AS r),
           CASE WHEN p.qual IS NOT NULL THEN ' USING (' || p.qual || ')' ELSE '' END,
           CASE WHEN p.with_check IS NOT NULL THEN ' WITH CHECK (' || p.with_check || ')' ELSE '' END
       ) AS statement
FROM jsonb_to_recordset(%(policies)s::jsonb)
     AS p(tbl text, name text, permissive text, cmd text, roles text[], qual text, with_check text)
ORDER BY p.tbl COLLATE "C", p.name COLLATE "C"
