-- A health sample's first read (SPEC.md §12): this database's cumulative counters as one JSON object
-- (whatever columns this server version has: the session counters exist from PostgreSQL 14), when
-- they were last reset, and the database's own clock.
SELECT to_jsonb(d) AS counters,
       d.stats_reset,
       now() AS taken_at,
       current_database() AS database,
       current_setting('server_version_num')::int AS server_version
FROM pg_stat_database AS d
WHERE d.datname = current_database()
