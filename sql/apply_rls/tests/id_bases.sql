-- For one table of menuca_v3 (joined per table by tools/lib/per_table.py): an id far above its
-- largest one (max(id) + offset). The matrix inserts with explicit ids from there, so that no test
-- calls a sequence and none collides with a real row or with a row inserted meanwhile.
SELECT {name} AS "table", coalesce(max(id), 0) + %(offset)s AS base FROM {table}
