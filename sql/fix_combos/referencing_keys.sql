-- Foreign keys that point at combo_items or dishes (single-column ones): rows behind them that
-- reference a batch's rows block its rollback; they are reported, never cascaded.
SELECT cn.nspname AS schema, c.relname AS "table", a.attname AS "column", rc.relname AS referenced
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_class rc ON rc.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
WHERE con.contype = 'f'
  AND rn.nspname = 'menuca_v3'
  AND rc.relname IN ('combo_items', 'dishes')
  AND array_length(con.conkey, 1) = 1
ORDER BY 1, 2, 3
