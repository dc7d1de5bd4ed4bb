-- A health sample never waits long or runs away: transaction-local limits (they end with it). Its
-- work_mem keeps the integrity check's aggregate of every (combo_group_id, dish_id) pair in memory:
-- spilled, it wrote temporary files that the sample itself then counted in temp_files (and took half
-- as long again at scale 10).
SELECT set_config('lock_timeout', %(lock_timeout)s, true) AS lock_timeout,
       set_config('statement_timeout', %(statement_timeout)s, true) AS statement_timeout,
       set_config('work_mem', %(work_mem)s, true) AS work_mem
