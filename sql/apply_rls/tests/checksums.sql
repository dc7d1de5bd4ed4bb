-- An md5 over every row of one table of menuca_v3 (in id order) and its row count, read as the
-- owner before and after the matrix (joined per table by tools/lib/per_table.py): equal values
-- prove the matrix left every row as it was.
SELECT {name} AS "table",
       count(*) || ':' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) AS checksum
FROM {table} AS t
