-- Advisor (Supabase splinter lint 0028 anon_security_definer_function_executable, our own text): a
-- SECURITY DEFINER function that the role anon may execute, in a schema anon may use (the lint asks
-- PostgREST's db_schemas; a schema without USAGE for anon is one the API cannot reach). It runs with
-- its owner's rights, past RLS, for any holder of the public anon key. No role anon: no finding.
SELECT 'anon_security_definer_function_executable' AS kind,
       format('%%s.%%s(%%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) AS key,
       format('SECURITY DEFINER function %%s.%%s(%%s) is executable by anon',
              n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) AS detail,
       jsonb_build_array(jsonb_build_object(
           'type', 'function', 'oid', p.oid::bigint,
           'name', format('%%s.%%s(%%s)', n.nspname, p.proname,
                          pg_catalog.pg_get_function_identity_arguments(p.oid)))) AS objects
FROM pg_catalog.pg_proc AS p
JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_roles AS anon ON anon.rolname = 'anon'
WHERE p.prosecdef
  AND n.nspname <> ALL (%(excluded)s::text[])
  AND pg_catalog.has_schema_privilege(anon.oid, n.oid, 'USAGE')
  AND pg_catalog.has_function_privilege(anon.oid, p.oid, 'EXECUTE')
ORDER BY 2
