-- Advisor (Supabase splinter lint 0001 unindexed_foreign_keys, our own text): a foreign key whose
-- columns are not the leading columns, in order, of any valid index of its table (so every delete or
-- key update of the referenced row scans the referencing table).
WITH foreign_keys AS (
    SELECT con.oid, con.conname, con.conrelid, con.conkey, n.nspname, t.relname
    FROM pg_catalog.pg_constraint AS con
    JOIN pg_catalog.pg_class AS t ON t.oid = con.conrelid
    JOIN pg_catalog.pg_namespace AS n ON n.oid = t.relnamespace
    WHERE con.contype = 'f'
      AND n.nspname <> ALL (%(excluded)s::text[])
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = t.oid
                        AND d.deptype = 'e')
)
SELECT 'unindexed_foreign_keys' AS kind,
       format('%%s.%%s %%s', fk.nspname, fk.relname, fk.conname) AS key,
       format('foreign key %%s of %%s.%%s (%%s) has no index that starts with its columns',
              fk.conname, fk.nspname, fk.relname,
              (SELECT string_agg(a.attname, ', ' ORDER BY k.ord)
               FROM unnest(fk.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute AS a ON a.attrelid = fk.conrelid AND a.attnum = k.attnum))
           AS detail,
       jsonb_build_array(jsonb_build_object('type', 'constraint', 'oid', fk.oid::bigint,
                                            'name', format('%%s.%%s.%%s', fk.nspname, fk.relname, fk.conname)))
           AS objects
FROM foreign_keys AS fk
WHERE NOT EXISTS (
    SELECT 1
    FROM pg_catalog.pg_index AS i
    WHERE i.indrelid = fk.conrelid
      AND i.indisvalid
      AND (string_to_array(i.indkey::text, ' ')::smallint[])[1:cardinality(fk.conkey)] = fk.conkey
)
ORDER BY 2
