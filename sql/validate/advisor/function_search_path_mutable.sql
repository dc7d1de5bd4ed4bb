-- Advisor (Supabase splinter lint 0011 function_search_path_mutable, our own text): a function or
-- procedure without its own search_path setting, so that the caller's search_path decides which
-- tables and functions its unqualified names resolve to. (The lint also lists aggregates, which
-- cannot carry a SET clause; they are left out here.)
SELECT 'function_search_path_mutable' AS kind,
       format('%%s.%%s(%%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) AS key,
       format('function %%s.%%s(%%s) has a mutable search_path (no SET search_path)',
              n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) AS detail,
       jsonb_build_array(jsonb_build_object(
           'type', 'function', 'oid', p.oid::bigint,
           'name', format('%%s.%%s(%%s)', n.nspname, p.proname,
                          pg_catalog.pg_get_function_identity_arguments(p.oid)))) AS objects
FROM pg_catalog.pg_proc AS p
JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p')
  AND n.nspname <> ALL (%(excluded)s::text[])
  AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) AS setting
                  WHERE setting LIKE 'search\_path=%%')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS d
                  WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 2
