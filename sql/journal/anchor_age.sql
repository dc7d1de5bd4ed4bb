-- How long ago, on this database's clock, an entry was anchored (the soak window is measured so).
SELECT extract(epoch FROM now() - recorded_at)::float8 AS age_s, recorded_at
FROM menuca_migrate.journal_anchor
WHERE journal_id = %(journal_id)s AND seq = %(seq)s
