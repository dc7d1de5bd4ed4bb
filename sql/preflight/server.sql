-- Who we are on this server and what we may do there.
SELECT current_setting('server_version_num')::int AS version_num,
       current_setting('server_version') AS version,
       current_user AS "user",
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       (SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user) AS createdb,
       current_setting('port')::int AS port,
       pg_backend_pid() AS pid,
       current_setting('transaction_read_only') = 'on' AS read_only,
       pg_is_in_recovery() AS standby
