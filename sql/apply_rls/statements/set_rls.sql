-- apply_rls: ALTER TABLE … ENABLE or DISABLE ROW LEVEL SECURITY for each given table, to put a
-- table's flag back to what a snapshot recorded (FORCE is never touched). Identifiers via format().
SELECT format('ALTER TABLE menuca_v3.%%I %%s ROW LEVEL SECURITY',
              f.tbl, CASE WHEN f.enabled THEN 'ENABLE' ELSE 'DISABLE' END) AS statement
FROM unnest(%(tables)s::text[], %(enabled)s::boolean[]) AS f(tbl, enabled)
ORDER BY f.tbl COLLATE "C"
