-- What the run needs: ownership of every menuca_v3 table (ALTER TABLE … ENABLE ROW LEVEL SECURITY,
-- CREATE POLICY, CREATE INDEX), CREATE on the schema (helper functions), and membership in the
-- roles the RLS tests SET ROLE to; and which of Supabase's roles exist.
SELECT
    (SELECT count(*) FROM pg_tables WHERE schemaname = 'menuca_v3') AS tables,
    (SELECT count(*) FROM pg_tables
      WHERE schemaname = 'menuca_v3' AND NOT pg_has_role(current_user, tableowner, 'USAGE')) AS tables_not_owned,
    (SELECT count(*) FROM pg_tables WHERE schemaname = 'staging') AS staging_tables,
    to_regnamespace('menuca_v3') IS NOT NULL
        AND has_schema_privilege(current_user, 'menuca_v3', 'CREATE') AS schema_create,
    ARRAY(SELECT r.rolname::text FROM pg_roles r
          WHERE r.rolname IN ('anon', 'authenticated', 'service_role') ORDER BY 1) AS roles_present,
    ARRAY(SELECT r.rolname::text FROM pg_roles r
          WHERE r.rolname IN ('anon', 'authenticated') AND pg_has_role(current_user, r.oid, 'MEMBER')
          ORDER BY 1) AS roles_settable
