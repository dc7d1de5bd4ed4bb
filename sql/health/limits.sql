-- A health sample never waits long, runs away or crowds the server: transaction-local limits (they
-- end with it). One core per session (a sample has two): no parallel workers (the sample observes the
-- server, it must not compete with its traffic) and no JIT (compiling costs more than these sub-second
-- queries save). Its work_mem keeps the integrity check's aggregate of every (combo_group_id, dish_id)
-- pair in memory: spilled, it wrote temporary files that the sample itself then counted in temp_files.
SELECT set_config('lock_timeout', %(lock_timeout)s, true) AS lock_timeout,
       set_config('statement_timeout', %(statement_timeout)s, true) AS statement_timeout,
       set_config('work_mem', %(work_mem)s, true) AS work_mem,
       set_config('max_parallel_workers_per_gather', '0', true) AS max_parallel_workers_per_gather,
       set_config('jit', 'off', true) AS jit
