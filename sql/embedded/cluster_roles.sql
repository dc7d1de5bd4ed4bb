-- Run once by the embedded cluster's superuser: the roles a Supabase project has. service_role is
-- BYPASSRLS, which only a superuser may grant, so the application role (a plain owner, like
-- Supabase's postgres) could not create it while seeding. The application role may SET ROLE to them.
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
GRANT anon, authenticated, service_role TO menuca;
-- As Supabase's postgres has pg_monitor: the long-transaction check and the health sample see every
-- role's sessions (preflight warns when a role cannot).
GRANT pg_read_all_stats TO menuca;
