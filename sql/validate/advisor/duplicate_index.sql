-- Advisor (Supabase splinter lint 0009 duplicate_index, our own text): two or more indexes of one table
-- with the same definition. The lint compares pg_indexes.indexdef with the index name removed; here
-- the definition is compared field by field (columns, operator classes, collations, options,
-- expressions, predicate, access method, uniqueness), which is the same test without the text.
SELECT 'duplicate_index' AS kind,
       format('%%s.%%s %%s', n.nspname, t.relname,
              string_agg(c.relname, ',' ORDER BY c.relname)) AS key,
       format('table %%s.%%s has %%s identical indexes', n.nspname, t.relname, count(*)) AS detail,
       jsonb_agg(jsonb_build_object('type', 'index', 'oid', c.oid::bigint,
                                    'name', format('%%s.%%s', n.nspname, c.relname))
                 ORDER BY c.relname) AS objects
FROM pg_catalog.pg_index AS i
JOIN pg_catalog.pg_class AS c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_class AS t ON t.oid = i.indrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = t.relnamespace
WHERE t.relkind IN ('r', 'm', 'p')
  AND n.nspname <> ALL (%(excluded)s::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = t.oid AND d.deptype = 'e')
GROUP BY n.nspname, t.relname, i.indrelid, i.indkey::text, i.indclass::text, i.indcollation::text,
         i.indoption::text, c.relam, i.indisunique,
         coalesce(pg_catalog.pg_get_expr(i.indexprs, i.indrelid), ''),
         coalesce(pg_catalog.pg_get_expr(i.indpred, i.indrelid), '')
HAVING count(*) > 1
ORDER BY 2
