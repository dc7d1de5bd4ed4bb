-- The grants Supabase gives a schema exposed through its API (SPEC.md §9), which is what the
-- runbook met in production: every API role may touch every table, and only Row Level Security
-- decides which rows. The tools never change grants; isolation must come from RLS alone.
--
-- Schema staging gets nothing: raw legacy loads are not exposed.

GRANT USAGE ON SCHEMA menuca_v3 TO anon, authenticated, service_role;
-- Supabase itself grants USAGE on its auth schema (owned by another role there, so granting again
-- could fail): grant only what is missing, which on our stand-in is everything.
DO $auth_usage$
DECLARE
    api_role text;
BEGIN
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        IF NOT has_schema_privilege(api_role, 'auth', 'USAGE') THEN
            EXECUTE format('GRANT USAGE ON SCHEMA auth TO %I', api_role);
        END IF;
    END LOOP;
END
$auth_usage$;

GRANT ALL ON ALL TABLES IN SCHEMA menuca_v3 TO anon, authenticated, service_role;
GRANT ALL ON ALL SEQUENCES IN SCHEMA menuca_v3 TO anon, authenticated, service_role;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA menuca_v3 TO anon, authenticated, service_role;

-- Supabase also sets default privileges, so tables and functions created later in the schema
-- (by whoever seeds and then runs the runbook) are exposed the same way.
ALTER DEFAULT PRIVILEGES IN SCHEMA menuca_v3 GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA menuca_v3 GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA menuca_v3 GRANT EXECUTE ON FUNCTIONS TO anon, authenticated, service_role;
