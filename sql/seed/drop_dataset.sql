-- seed --replace: drop the old dataset in the seed's own transaction, so that a failed reseed leaves
-- the old one untouched. menuca_migrate is the tool's bookkeeping about that dataset (journal
-- baselines, combo batches), which means nothing once the data is regenerated. The auth schema and
-- the roles are shared with Supabase (or other databases of the cluster) and stay.
--
-- A short lock timeout (menuca.replace_lock_timeout, set by server/seed.py): an application still
-- using the old tables gets a clear refusal ("end that session and seed again"), not a hung seed.
SELECT set_config('lock_timeout', current_setting('menuca.replace_lock_timeout'), true);
DROP SCHEMA IF EXISTS menuca_v3, staging, menuca_migrate CASCADE;
SET LOCAL lock_timeout = DEFAULT;
