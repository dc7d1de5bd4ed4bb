-- Who holds menuca-migrate's advisory lock (a bigint key shows as classid = high half, objid = low half).
SELECT a.pid, a.application_name, a.backend_start
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory'
  AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ((l.classid::bigint << 32) | l.objid::bigint) = %(key)s
  AND l.objsubid = 1
LIMIT 1
