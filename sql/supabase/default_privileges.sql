-- The default privileges supabase_admin grants in an exposed schema: whatever supabase_admin
-- creates in menuca_v3 is open to the API roles. They belong to supabase_admin, so the working role
-- can neither restore nor recreate them (`must be member of role "supabase_admin"`): a restore
-- that replays them fails, and a DROP SCHEMA … CASCADE silently removes them. Run by a session
-- connected as supabase_admin, after the dataset is seeded (the schema must exist).
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA menuca_v3
    GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA menuca_v3
    GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA menuca_v3
    GRANT EXECUTE ON FUNCTIONS TO anon, authenticated, service_role;
