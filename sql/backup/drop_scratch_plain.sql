-- A scratch database FORCE could not empty: a session of another role is on it, in practice an
-- autovacuum worker woken by the restore, which a role without pg_signal_backend may not end. Without
-- FORCE the server ends its own autovacuum workers itself (it waits up to 5 s for other sessions).
DROP DATABASE IF EXISTS {name}
