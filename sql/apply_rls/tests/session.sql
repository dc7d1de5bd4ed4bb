-- The matrix's transaction-local limits: it never waits long for a lock held by live traffic and
-- never runs away (both end with its transaction, which is always rolled back).
SELECT set_config('lock_timeout', %(lock_timeout)s, true) AS lock_timeout,
       set_config('statement_timeout', %(statement_timeout)s, true) AS statement_timeout
