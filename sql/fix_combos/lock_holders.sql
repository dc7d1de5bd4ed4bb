-- Sessions holding a lock on combo_items (what a timed-out repair reports).
SELECT a.pid, a.application_name, a.state, l.mode
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.relation = 'menuca_v3.combo_items'::regclass
  AND l.granted
  AND a.pid <> pg_backend_pid()
ORDER BY a.pid
