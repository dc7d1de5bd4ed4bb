-- menuca-migrate's own bookkeeping, in a schema of ours (never a column on the product's tables):
-- every combo repair batch and the exact rows it inserted, written in the SAME transaction as the
-- rows themselves, so a rollback can delete exactly those rows and nothing else.
-- Runs inside the repair's transaction, after lock.sql; the same limits, for a reader of this file.
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '10min';
CREATE SCHEMA IF NOT EXISTS menuca_migrate;
COMMENT ON SCHEMA menuca_migrate IS 'bookkeeping of menuca-migrate (combo repair batches); safe to keep';
CREATE TABLE IF NOT EXISTS menuca_migrate.combo_batches (
    batch_id text PRIMARY KEY,
    run_id text NOT NULL,
    backfill boolean NOT NULL,
    items_inserted bigint NOT NULL DEFAULT 0,
    dishes_backfilled bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS menuca_migrate.combo_batch_rows (
    batch_id text NOT NULL REFERENCES menuca_migrate.combo_batches (batch_id) ON DELETE CASCADE,
    table_name text NOT NULL CHECK (table_name IN ('combo_items', 'dishes')),
    row_id bigint NOT NULL,
    -- the row's identity besides its id, so a rollback never deletes a later row that reused an id
    identity jsonb NOT NULL,
    PRIMARY KEY (batch_id, table_name, row_id)
);
