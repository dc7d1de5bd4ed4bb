-- menuca-migrate's journal anchors (SPEC.md §7): every ticket start, pass, fail, rollback and approval
-- of a run directory's journal is also written here, on the database it concerns, with the
-- database's own clock. The server checks at each call that its journal and these rows agree, and
-- the soak window is measured from recorded_at. journal_id names the journal (a fingerprint of its
-- key): rows of another run directory's journal on the same database are told apart; a row without
-- one is checked as ours. Backups, scratch restores and full restores never include this schema.
CREATE SCHEMA IF NOT EXISTS menuca_migrate;
CREATE TABLE IF NOT EXISTS menuca_migrate.journal_anchor (
    journal_id text,
    run_id text,
    seq bigint NOT NULL,
    hash text NOT NULL,
    event text NOT NULL,
    ticket text,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (journal_id, seq)
);
REVOKE ALL ON SCHEMA menuca_migrate FROM PUBLIC;
