-- Default privileges in the application schemas, whoever set them: a full restore keeps the schemas
-- and with them these (another role's, such as Supabase's supabase_admin, cannot be replayed by us).
SELECT d.defaclrole::regrole::text AS role,
       d.defaclnamespace::regnamespace::text AS schema,
       d.defaclobjtype::text AS kind,
       d.defaclacl::text[] AS acl
FROM pg_default_acl d
WHERE d.defaclnamespace IN (SELECT oid FROM pg_namespace WHERE nspname = ANY (%(schemas)s))
ORDER BY 1, 2, 3
