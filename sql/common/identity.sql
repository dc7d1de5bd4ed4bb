-- Which database is this? Two DSNs name the same database when all three values are equal (SPEC.md §3).
SELECT (SELECT system_identifier FROM pg_control_system())::text AS system_identifier,
       current_database() AS datname,
       pg_postmaster_start_time()::text AS postmaster_start
