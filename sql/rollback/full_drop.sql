-- First part of a full restore, run by psql in the SAME single transaction as the restore script
-- pg_restore generates from the backup: nothing is dropped unless everything is restored.
-- The rollback checked beforehand that no object outside these schemas depends on them, so CASCADE
-- only reaches objects inside them (indexes, policies, helper functions added since the backup).
--
-- The schemas themselves stay: with them stay their owner, grants and the default privileges other
-- roles hold in them (Supabase's supabase_admin), which the working role could never restore
-- (`must be member of role …`) and a DROP SCHEMA … CASCADE would silently remove. Every object in
-- them goes: the restore script recreates what the backup holds.
SET lock_timeout = '5s';
SET statement_timeout = '15min';
-- A backend whose psql is killed mid-restore ends promptly (SPEC.md §3), also through a pooler
-- that refuses startup options.
SET client_connection_check_interval = 1000;
CREATE SCHEMA IF NOT EXISTS menuca_v3;
CREATE SCHEMA IF NOT EXISTS staging;
DO $drop$
DECLARE
    statements text[];
    statement text;
BEGIN
    -- Every object that lives in the schemas, named as DROP wants it; objects that belong to
    -- another one (a column's sequence, a range type's constructors, an extension's members) go
    -- with it. Collected first: each DROP changes the catalog the query reads.
    SELECT array_agg(
               format('DROP %s IF EXISTS %s CASCADE',
                      CASE
                          WHEN o.type = 'type' AND t.typtype = 'd' THEN 'DOMAIN'
                          WHEN o.type = 'statistics object' THEN 'STATISTICS'
                          WHEN o.type IN ('table', 'view', 'materialized view', 'foreign table', 'sequence',
                                          'type', 'function', 'procedure', 'aggregate', 'operator',
                                          'operator class', 'operator family', 'collation', 'conversion',
                                          'text search configuration', 'text search dictionary',
                                          'text search parser', 'text search template', 'extension')
                              THEN upper(o.type)
                          ELSE 'unknown object type ' || o.type
                      END,
                      o.identity)
               ORDER BY o.type NOT IN ('table', 'view', 'materialized view', 'foreign table'), o.type, o.identity)
      INTO statements
      FROM pg_depend d
      CROSS JOIN LATERAL pg_identify_object(d.classid, d.objid, 0) AS o
      LEFT JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
     WHERE d.refclassid = 'pg_namespace'::regclass
       AND d.refobjid IN (SELECT oid FROM pg_namespace WHERE nspname IN ('menuca_v3', 'staging'))
       AND d.deptype = 'n'
       AND NOT EXISTS (
               SELECT 1 FROM pg_depend owner
                WHERE owner.classid = d.classid AND owner.objid = d.objid
                  AND owner.deptype IN ('a', 'i', 'e'));
    FOREACH statement IN ARRAY coalesce(statements, ARRAY[]::text[]) LOOP
        IF statement LIKE 'DROP unknown object type%' THEN
            RAISE EXCEPTION 'a full restore cannot drop %', substr(statement, 6)
                USING HINT = 'drop it by hand (it is not in the backup), then call rollback again';
        END IF;
        EXECUTE statement;
    END LOOP;
END
$drop$;
