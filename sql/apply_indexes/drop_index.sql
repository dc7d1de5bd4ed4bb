-- Removing an index this run built (an INVALID leftover, or on rollback): concurrently, so writes
-- go on; IF EXISTS so a re-run after a crash is harmless. The tool binds the name as an identifier.
DROP INDEX CONCURRENTLY IF EXISTS menuca_v3.{index}
