-- How far one concurrent index build has got (pg_stat_progress_create_index, by the build session's
-- pid): its phase, the transactions it is waiting for, and the blocks or tuples done. apply_indexes
-- polls it during each build and sends it to the client as MCP progress.
SELECT p.phase,
       p.lockers_total,
       p.lockers_done,
       p.current_locker_pid,
       p.blocks_total,
       p.blocks_done,
       p.tuples_total,
       p.tuples_done
FROM pg_stat_progress_create_index p
WHERE p.pid = %(pid)s
