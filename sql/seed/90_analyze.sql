-- Fresh statistics for every seeded table, so that query plans (and the menu-query baseline the
-- runbook measures) do not depend on when autovacuum happens to run. ANALYZE is allowed inside the
-- seed's transaction; naming the tables keeps it to what the seed owns.
DO $analyze$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'r' AND n.nspname IN ('menuca_v3', 'staging')
         ORDER BY n.nspname, c.relname
    LOOP
        EXECUTE format('ANALYZE %s', t);
    END LOOP;
END
$analyze$;
