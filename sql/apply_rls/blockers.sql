-- The sessions holding locks on menuca_v3's tables (any lock conflicts with the ACCESS EXCLUSIVE
-- that policy DDL needs), other than apply_rls's own: who made its LOCK TABLE time out. Each is
-- reported with what a DBA needs to find and end it.
SELECT a.pid,
       coalesce(nullif(a.application_name, ''), '(no application_name)') AS application_name,
       a.usename AS "user",
       a.state,
       a.query_start,
       a.xact_start,
       string_agg(DISTINCT c.relname || ' ' || l.mode, ', ') AS locks,
       left(regexp_replace(a.query, '\s+', ' ', 'g'), 120) AS query
FROM pg_locks AS l
JOIN pg_class AS c ON c.oid = l.relation
JOIN pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE n.nspname = 'menuca_v3'
  AND l.locktype = 'relation'
  AND l.granted
  AND l.pid <> pg_backend_pid()
  AND l.pid <> ALL (%(own_pids)s::int[])
GROUP BY a.pid, a.application_name, a.usename, a.state, a.query_start, a.xact_start, a.query
ORDER BY a.xact_start NULLS LAST, a.pid
