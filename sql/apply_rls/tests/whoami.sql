-- Who the test really runs as: it must be the API role itself, which neither owns the tables nor
-- bypasses RLS, with row security on. A test not run this way fails.
SELECT current_user AS role,
       r.rolsuper AS superuser,
       r.rolbypassrls AS bypassrls,
       current_setting('row_security') AS row_security,
       EXISTS (
           SELECT 1 FROM pg_class AS c
           JOIN pg_namespace AS n ON n.oid = c.relnamespace
           WHERE n.nspname = 'menuca_v3'
             AND c.relkind IN ('r', 'p')
             AND pg_has_role(current_user, c.relowner, 'USAGE')
       ) AS owns_tables
FROM pg_roles AS r
WHERE r.rolname = current_user
