-- Functions of menuca_v3 with their definitions (helpers that apply_rls adds must be removable exactly).
SELECT p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       md5(pg_get_functiondef(p.oid)) AS definition_md5
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'menuca_v3' AND p.prokind = 'f'
ORDER BY 1, 2
