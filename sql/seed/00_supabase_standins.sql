-- Supabase stand-ins: the roles and the auth schema a Supabase project already has.
--
-- Run by server/seed.py inside the seed's single transaction, before the schema. On a real
-- Supabase server everything here already exists and this file changes nothing.
--
-- Roles are cluster-wide: two databases of one cluster (staging and production of the embedded
-- server) share them, so a role that exists is never an error, and a role created by a seed that
-- later rolls back simply disappears with it.

DO $standins$
DECLARE
    missing text[];
    role_name text;
    can_create boolean;
BEGIN
    SELECT array_agg(r ORDER BY r)
      INTO missing
      FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r
     WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r);

    IF missing IS NOT NULL THEN
        -- PostgreSQL 15 lets only a superuser create a BYPASSRLS role (service_role): say so
        -- plainly instead of failing on the CREATE ROLE with a bare permission error.
        SELECT rolsuper OR (rolcreaterole AND NOT 'service_role' = ANY (missing))
          INTO can_create
          FROM pg_roles WHERE rolname = current_user;
        IF NOT can_create THEN
            RAISE EXCEPTION 'the Supabase roles % are missing and role "%" may not create them',
                array_to_string(missing, ', '), current_user
                USING HINT = 'Create them once as a superuser (CREATE ROLE anon NOLOGIN; '
                    'CREATE ROLE authenticated NOLOGIN; CREATE ROLE service_role NOLOGIN BYPASSRLS), '
                    'or seed as a superuser.';
        END IF;

        FOREACH role_name IN ARRAY missing LOOP
            BEGIN
                IF role_name = 'service_role' THEN
                    EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT BYPASSRLS', role_name);
                ELSE
                    EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', role_name);
                END IF;
            EXCEPTION
                -- A seed of another database of the same cluster created it meanwhile: the role
                -- exists, which is all we need (unique_violation is what the loser of that race gets).
                WHEN duplicate_object OR unique_violation THEN NULL;
            END;
        END LOOP;
    END IF;

    -- The owner must be able to SET ROLE anon/authenticated for the RLS tests, as on Supabase
    -- where postgres is a member of these roles. A superuser already is a member of every role.
    FOREACH role_name IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        IF NOT pg_has_role(current_user, role_name, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', role_name, current_user);
        END IF;
    END LOOP;
END
$standins$;

-- Supabase's auth.jwt() and auth.uid(), with Supabase's own definitions (they also accept the
-- older per-claim settings). Skipped when the server already is Supabase, i.e. auth.jwt() exists:
-- Supabase's functions are never replaced.
DO $auth$
BEGIN
    IF to_regprocedure('auth.jwt()') IS NOT NULL THEN
        RETURN;
    END IF;

    CREATE SCHEMA IF NOT EXISTS auth;

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

    COMMENT ON SCHEMA auth IS 'Stand-in for Supabase''s auth schema, created by menuca-migrate seed.';
END
$auth$;
