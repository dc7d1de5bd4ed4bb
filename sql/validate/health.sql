-- Sessions that hurt the database: idle in a transaction (holding locks and snapshots) or running
-- one statement for long. This run's own sessions are excluded by the caller's pid.
SELECT pid, coalesce(nullif(application_name, ''), usename::text, '?') AS who, state,
       round(extract(epoch FROM now() - coalesce(state_change, xact_start)))::int AS idle_s,
       round(extract(epoch FROM now() - query_start))::int AS running_s,
       left(query, 120) AS query
FROM pg_stat_activity
WHERE backend_type = 'client backend'
  AND pid <> pg_backend_pid()
  AND datname = current_database()
  AND ((state = 'idle in transaction' AND now() - state_change > make_interval(secs => %(idle_s)s))
       OR (state = 'active' AND now() - query_start > make_interval(secs => %(running_s)s)))
ORDER BY pid
