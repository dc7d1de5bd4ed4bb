-- Second part of the undo: the backfilled dishes (their combo items are gone by now), then the batch.
WITH batch AS (
    SELECT r.row_id, r.identity
    FROM menuca_migrate.combo_batch_rows r
    JOIN menuca_migrate.combo_batches b ON b.batch_id = r.batch_id
    WHERE b.run_id = %(run_id)s AND r.table_name = 'dishes'
), dishes AS (
    DELETE FROM menuca_v3.dishes d
    USING batch
    WHERE d.id = batch.row_id
      AND d.restaurant_id = (batch.identity ->> 'restaurant_id')::bigint
      AND d.legacy_v1_id = (batch.identity ->> 'legacy_v1_id')::int
    RETURNING d.id
), forgotten AS (
    DELETE FROM menuca_migrate.combo_batches WHERE run_id = %(run_id)s
)
SELECT count(*) AS dishes_deleted FROM dishes
