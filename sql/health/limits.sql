-- A health sample never waits long or runs away: transaction-local limits (they end with it).
SELECT set_config('lock_timeout', %(lock_timeout)s, true) AS lock_timeout,
       set_config('statement_timeout', %(statement_timeout)s, true) AS statement_timeout
