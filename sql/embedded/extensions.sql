-- Run once in template1 by the embedded cluster's superuser, so that every database created later has
-- it: pg_stat_statements (its library is in shared_preload_libraries), which the health samples read
-- for the slowest statements, as Supabase projects have it.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements
