-- First part of a full restore, run by psql in the SAME single transaction as the restore script
-- pg_restore generates from the backup: nothing is dropped unless everything is restored.
-- The rollback checked beforehand that no object outside these schemas depends on them, so CASCADE
-- only reaches objects inside them (indexes, policies, helper functions added since the backup).
SET lock_timeout = '5s';
SET statement_timeout = '15min';
-- Dropping the schemas is the point of a full restore; clients see the restored ones at COMMIT.
-- squawk-ignore ban-drop-schema
DROP SCHEMA IF EXISTS menuca_v3 CASCADE;
-- squawk-ignore ban-drop-schema
DROP SCHEMA IF EXISTS staging CASCADE;
