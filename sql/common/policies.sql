-- Every policy of menuca_v3 with its full definition (what a rollback must restore exactly).
SELECT tablename AS "table", policyname AS name, permissive, roles::text[] AS roles, cmd,
       qual, with_check
FROM pg_policies
WHERE schemaname = 'menuca_v3'
ORDER BY tablename, policyname
