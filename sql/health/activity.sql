-- The other client sessions of this database: connections, active ones, those idle in a transaction
-- (and which for longer than the limit), those waiting on a lock; and whether this role sees other
-- roles' sessions at all (without pg_read_all_stats their state is hidden). Neither this session nor the
-- sample's other one (%(siblings)s, its backend pids) is counted.
SELECT count(*) AS connections,
       count(*) FILTER (WHERE a.state = 'active') AS active,
       count(*) FILTER (WHERE a.state LIKE 'idle in transaction%%') AS idle_in_transaction,
       count(*) FILTER (WHERE a.wait_event_type = 'Lock') AS lock_waits,
       coalesce(
           jsonb_agg(jsonb_build_object(
               'pid', a.pid,
               'who', coalesce(nullif(a.application_name, ''), a.usename::text, '?'),
               'idle_s', round(extract(epoch FROM now() - a.state_change))::int
           ) ORDER BY a.pid) FILTER (
               WHERE a.state LIKE 'idle in transaction%%'
                 AND now() - a.state_change > make_interval(secs => %(idle_s)s)),
           '[]'::jsonb
       ) AS idle_in_transaction_long,
       (SELECT r.rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')
        FROM pg_roles AS r WHERE r.rolname = current_user) AS sees_all_sessions
FROM pg_stat_activity AS a
WHERE a.backend_type = 'client backend'
  AND a.datname = current_database()
  AND a.pid <> pg_backend_pid()
  AND a.pid <> ALL (%(siblings)s::int[])
