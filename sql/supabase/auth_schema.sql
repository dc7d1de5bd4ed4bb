-- Schema auth of a Supabase-shaped database, owned by supabase_admin as on Supabase, with
-- Supabase's own auth.jwt() and auth.uid(). Run by a session connected as supabase_admin, before
-- the dataset is seeded (the seed then finds auth.jwt() and leaves it alone, as on Supabase).
CREATE SCHEMA auth AUTHORIZATION supabase_admin;

CREATE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
    AS $fn$
        SELECT coalesce(
            nullif(current_setting('request.jwt.claim', true), ''),
            nullif(current_setting('request.jwt.claims', true), '')
        )::jsonb
    $fn$;

CREATE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
    AS $fn$
        SELECT coalesce(
            nullif(current_setting('request.jwt.claim.sub', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
    $fn$;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role, {working_role};
GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid() TO anon, authenticated, service_role, {working_role};
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA auth
    GRANT ALL ON TABLES TO {working_role}, service_role;
