-- The batch, opened at the start of the repair's transaction (its rows reference it).
INSERT INTO menuca_migrate.combo_batches (batch_id, run_id, backfill)
VALUES (%(batch_id)s, %(run_id)s, %(backfill)s)
