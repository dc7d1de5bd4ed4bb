-- Transactions a concurrent build would have to wait for that are already old (and prepared
-- transactions, which wait for nobody): checked before each build so it fails clearly instead of
-- hanging. Our own sessions never hold a transaction open during builds (all are autocommit).
SELECT 'pid ' || a.pid || ' (' || coalesce(nullif(a.application_name, ''), a.usename::text, '?') || ', '
       || a.state || ', transaction open ' || round(extract(epoch FROM now() - a.xact_start)) || ' s)' AS who,
       a.pid
FROM pg_stat_activity a
WHERE a.xact_start IS NOT NULL
  AND a.pid <> pg_backend_pid()
  AND a.backend_type = 'client backend'
  AND now() - a.xact_start > make_interval(secs => %(threshold_s)s)
UNION ALL
SELECT 'prepared transaction ' || p.gid || ' (since ' || p.prepared::text || ')', NULL
FROM pg_prepared_xacts p
WHERE p.database = current_database()
ORDER BY 1
