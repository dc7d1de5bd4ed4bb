-- One journal entry's anchor (its seq and keyed hash), with the database's clock.
INSERT INTO menuca_migrate.journal_anchor (journal_id, run_id, seq, hash, event, ticket)
VALUES (%(journal_id)s, %(run_id)s, %(seq)s, %(hash)s, %(event)s, %(ticket)s)
ON CONFLICT (journal_id, seq) DO NOTHING  -- one database under two names: its rows once (checked later)
