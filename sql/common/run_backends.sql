-- Backends left by an earlier server of the same run (same application_name), other than this
-- session and the calling server's own lock sessions.
SELECT pid, state, now() - xact_start AS xact_age, left(query, 200) AS query
FROM pg_stat_activity
WHERE application_name = %(application_name)s
  AND pid <> pg_backend_pid()
  AND pid <> ALL (%(exclude)s::int[])
  AND datname = current_database()
