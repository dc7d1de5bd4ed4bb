-- Transactions that can hold a concurrent build back and are already old: those of THIS database (a
-- build waits for every transaction whose snapshot could see the table, and only transactions of its
-- own database count: a transaction in another database of the cluster never blocks it) and the
-- prepared transactions of this database (they wait for nobody and end only when someone commits or
-- rolls them back). Checked before each build so it fails clearly instead of hanging; our own
-- sessions never hold a transaction open during builds (all are autocommit).
SELECT format('pid %%s (application %%s, database %%s, %%s, transaction open %%s s)',
              a.pid,
              coalesce(nullif(a.application_name, ''), '(none)'),
              a.datname,
              a.state,
              round(extract(epoch FROM now() - a.xact_start))) AS who,
       a.pid
FROM pg_stat_activity a
WHERE a.xact_start IS NOT NULL
  AND a.pid <> pg_backend_pid()
  AND a.backend_type = 'client backend'
  AND a.datname = current_database()
  AND now() - a.xact_start > make_interval(secs => %(threshold_s)s)
UNION ALL
SELECT format('prepared transaction %%s (owner %%s, database %%s, prepared %%s s ago)',
              quote_literal(p.gid),
              p.owner,
              p.database,
              round(extract(epoch FROM now() - p.prepared))),
       NULL
FROM pg_prepared_xacts p
WHERE p.database = current_database()
ORDER BY 1
