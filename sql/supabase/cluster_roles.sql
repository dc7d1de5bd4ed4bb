-- A Supabase-shaped cluster (SPEC.md §15), for the tests and replays that prove the runbook works
-- where the working role is not a superuser. Run once per cluster by its bootstrap superuser, after
-- sql/embedded/cluster_roles.sql; {working_role} is the application role the tools connect as.
--
-- The shape, as a Supabase project has it (roles of supabase/postgres, attributes included):
--   supabase_admin  SUPERUSER LOGIN: owns schema auth and grants default privileges in menuca_v3
--   {working_role}  LOGIN CREATEROLE CREATEDB BYPASSRLS, NOT a superuser (Supabase's `postgres`);
--                   member of anon, authenticated, service_role, authenticator and pg_monitor
--   anon, authenticated  NOLOGIN; service_role NOLOGIN BYPASSRLS; authenticator LOGIN NOINHERIT
-- Only statements both PostgreSQL 15 and 18 accept (no GRANT … WITH INHERIT).
DO $roles$
DECLARE
    wanted CONSTANT text[][] := ARRAY[
        ['supabase_admin', 'SUPERUSER LOGIN CREATEROLE CREATEDB REPLICATION BYPASSRLS'],
        ['anon', 'NOLOGIN NOINHERIT'],
        ['authenticated', 'NOLOGIN NOINHERIT'],
        ['service_role', 'NOLOGIN NOINHERIT BYPASSRLS'],
        ['authenticator', 'LOGIN NOINHERIT']
    ];
    i int;
BEGIN
    FOR i IN 1 .. array_length(wanted, 1) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = wanted[i][1]) THEN
            EXECUTE format('CREATE ROLE %I', wanted[i][1]);
        END IF;
        EXECUTE format('ALTER ROLE %I %s', wanted[i][1], wanted[i][2]);
    END LOOP;
END
$roles$;

ALTER ROLE {working_role} NOSUPERUSER LOGIN CREATEROLE CREATEDB BYPASSRLS;
GRANT anon, authenticated, service_role TO authenticator;
GRANT anon, authenticated, service_role, authenticator TO {working_role};
GRANT pg_monitor TO {working_role};
-- (sql/embedded/cluster_roles.sql also gave it pg_read_all_stats; Supabase's comes with pg_monitor)
REVOKE pg_read_all_stats FROM {working_role};
