-- Every anchor of this journal (and every anchor that names no journal) on this database.
SELECT journal_id, run_id, seq, hash, event, ticket, recorded_at
FROM menuca_migrate.journal_anchor
WHERE journal_id = %(journal_id)s OR journal_id IS NULL
ORDER BY seq
