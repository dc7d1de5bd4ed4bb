-- Objects outside the application schemas that depend on them: foreign keys into them and views
-- over them (a DROP SCHEMA … CASCADE would silently drop them). A rollback never cascades into these; it reports and stops.
WITH ours AS (
    SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('menuca_v3', 'staging')
)
SELECT 'foreign key ' || con.conname || ' on ' || con.conrelid::regclass::text
       || ' references ' || con.confrelid::regclass::text AS dependent
FROM pg_constraint con
WHERE con.contype = 'f'
  AND con.confrelid IN (SELECT oid FROM ours)
  AND con.conrelid NOT IN (SELECT oid FROM ours)
UNION
SELECT DISTINCT 'view ' || v.oid::regclass::text || ' reads ' || t.oid::regclass::text
FROM pg_depend d
JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
JOIN pg_class v ON v.oid = r.ev_class
JOIN pg_class t ON t.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
WHERE t.oid IN (SELECT oid FROM ours)
  AND v.oid NOT IN (SELECT oid FROM ours)
ORDER BY 1
