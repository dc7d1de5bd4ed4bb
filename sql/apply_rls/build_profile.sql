-- The long lock profile of the concurrent index builds (session settings of their own autocommit
-- connection): a concurrent build waits for every older transaction, so a 2 s DDL lock_timeout
-- would cancel it whenever anything is open; it gets minutes instead, and no statement_timeout.
SELECT set_config('lock_timeout', %(lock_timeout)s, false) AS lock_timeout,
       set_config('statement_timeout', '0', false) AS statement_timeout
