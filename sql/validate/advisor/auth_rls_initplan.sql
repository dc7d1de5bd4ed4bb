-- Advisor (Supabase splinter lint 0003 auth_rls_initplan, our own text): a policy of a table with RLS
-- enabled whose USING or WITH CHECK calls an identity function (auth.uid(), auth.jwt(), auth.role(),
-- auth.email(), current_setting(), and the identity helpers advisor.py passes) without wrapping it
-- in a sub-select, so that it is evaluated for every row instead of once per query (an InitPlan).
-- Stricter than the lint, which passes a policy as soon as one call is wrapped: here every call must
-- be; the wrapped calls are removed and whatever call is left is the finding.
-- The expressions are deparsed with an empty search_path (advisor.py runs this in a transaction
-- that sets it), so every function name carries its schema, as the lint requires.
WITH names AS (
    SELECT '(' || array_to_string(
               ARRAY['auth\.(uid|jwt|role|email)\(\)', 'current_setting\(']
               || ARRAY(SELECT replace(h, '.', '\.') || '\(\)' FROM unnest(%(helpers)s::text[]) AS h),
               '|') || ')' AS call
), policies AS (
    SELECT p.oid, n.nspname, c.relname, p.polname,
           lower(coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '')) AS qual,
           lower(coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '')) AS with_check
    FROM pg_catalog.pg_policy AS p
    JOIN pg_catalog.pg_class AS c ON c.oid = p.polrelid
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.relrowsecurity
      AND n.nspname <> ALL (%(excluded)s::text[])
), unwrapped AS (
    SELECT p.*,
           regexp_replace(p.qual, 'select\s+' || names.call, '', 'g') ~ names.call AS in_using,
           regexp_replace(p.with_check, 'select\s+' || names.call, '', 'g') ~ names.call AS in_check
    FROM policies AS p, names
)
SELECT 'auth_rls_initplan' AS kind,
       format('%%s.%%s %%s', nspname, relname, polname) AS key,
       format('policy %%s on %%s.%%s calls an identity function outside a sub-select in its %%s '
              '(evaluated for every row; write (select auth.uid()) and the like)',
              polname, nspname, relname,
              CASE WHEN in_using AND in_check THEN 'USING and WITH CHECK'
                   WHEN in_using THEN 'USING' ELSE 'WITH CHECK' END) AS detail,
       jsonb_build_array(jsonb_build_object('type', 'policy', 'oid', oid::bigint,
                                            'name', format('%%s.%%s.%%s', nspname, relname, polname)))
           AS objects
FROM unwrapped
WHERE in_using OR in_check
ORDER BY 2
