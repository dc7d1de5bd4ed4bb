-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
-- (squawk sees this file alone; apply_rls runs it inside its single transaction, after
-- SET LOCAL lock_timeout / statement_timeout and LOCK TABLE of every table: tools/apply_rls.py.)
-- The identity helpers every policy calls, each wrapped as (SELECT …) in the policy so that it is
-- evaluated once per query (an InitPlan), not once per row.
--
-- Identity comes only from the JWT claims Supabase puts in request.jwt.claims, read through
-- auth.jwt() and auth.uid(). Tenant and admin come from app_metadata, which only the server side can
-- set; the top-level `role` claim is the Postgres role PostgREST switches to and is never read here
-- (the original scripts read `role = 'admin'` and a top-level restaurant_id).
--
-- Every helper is STABLE, SECURITY INVOKER (none needs its owner's rights), pins search_path to ''
-- and names everything with its schema, so a caller's search_path can never substitute another
-- function or table (Supabase's advisor, lint 0011). CREATE OR REPLACE keeps a re-run
-- (after an interrupted attempt) idempotent. PL/pgSQL rather than SQL: a function with a SET clause
-- is never inlined, and PL/pgSQL keeps its plan for the session, where a SQL function is planned
-- again at every call site (bench/rls.py: about 0.3 ms against 0.05 ms per menu query).

-- The restaurant (tenant) the caller manages: app_metadata.restaurant_id as a bigint; NULL when the
-- claim is absent or not a plain integer (a malformed claim denies, it never errors a whole query).
CREATE OR REPLACE FUNCTION menuca_v3.current_restaurant_id()
    RETURNS bigint
    LANGUAGE plpgsql
    STABLE
    SET search_path = ''
AS $fn$
DECLARE
    claim text := auth.jwt() -> 'app_metadata' ->> 'restaurant_id';
BEGIN
    RETURN CASE WHEN claim ~ '^[0-9]{1,18}$' THEN claim::bigint END;
END
$fn$;

COMMENT ON FUNCTION menuca_v3.current_restaurant_id()
    IS 'menuca-migrate apply_rls: the tenant from the JWT claim app_metadata.restaurant_id (NULL if absent).';

-- A platform administrator: app_metadata.platform_admin is the JSON value true (not the string,
-- not the top-level role claim).
CREATE OR REPLACE FUNCTION menuca_v3.is_platform_admin()
    RETURNS boolean
    LANGUAGE plpgsql
    STABLE
    SET search_path = ''
AS $fn$
BEGIN
    RETURN coalesce(auth.jwt() -> 'app_metadata' -> 'platform_admin' = 'true'::jsonb, false);
END
$fn$;

COMMENT ON FUNCTION menuca_v3.is_platform_admin()
    IS 'menuca-migrate apply_rls: true when the JWT claim app_metadata.platform_admin is JSON true.';

-- The caller's own users.id (users.auth_user_id = auth.uid()). SECURITY INVOKER (the default,
-- written out because an earlier version was SECURITY DEFINER; CREATE OR REPLACE resets it): it
-- reads users under users' own policies, which let a signed-in user see their own row (users'
-- policy reads only its own columns, so nothing recurses), and it needs no right the caller lacks.
-- A definer function in a schema the API exposes is one anon could call directly (Supabase's
-- advisor, lint 0028); called by anon, this one sees no users row and returns NULL.
CREATE OR REPLACE FUNCTION menuca_v3.current_user_id()
    RETURNS bigint
    LANGUAGE plpgsql
    STABLE
    SECURITY INVOKER
    SET search_path = ''
AS $fn$
BEGIN
    RETURN (SELECT u.id FROM menuca_v3.users AS u WHERE u.auth_user_id = auth.uid());
END
$fn$;

COMMENT ON FUNCTION menuca_v3.current_user_id()
    IS 'menuca-migrate apply_rls: users.id of the signed-in end user (auth.uid() = users.auth_user_id).';
