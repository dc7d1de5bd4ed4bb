-- The short lock profile of every policy transaction (SET LOCAL: it ends with the transaction). A
-- LOCK TABLE that cannot get its lock within lock_timeout fails with 55P03 instead of queueing every
-- reader of that table behind it; apply_rls then rolls back and retries with backoff.
SELECT set_config('lock_timeout', %(lock_timeout)s, true) AS lock_timeout,
       set_config('statement_timeout', %(statement_timeout)s, true) AS statement_timeout
