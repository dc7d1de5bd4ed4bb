-- Sessions of another menuca-migrate run (a different application_name suffix) on this database.
SELECT pid, application_name, state, backend_start::text AS since
FROM pg_stat_activity
WHERE application_name LIKE 'menuca-migrate/%%'
  AND application_name <> %(application_name)s
  AND datname = current_database()
  AND pid <> pg_backend_pid()
ORDER BY backend_start
