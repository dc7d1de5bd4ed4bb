-- Undo this run's combo repairs: delete exactly the recorded rows whose identity still matches (a
-- later row that reused an id is never touched), items before the dishes they point at, then the
-- bookkeeping. The caller checked that no other row references them.
WITH batch AS (
    SELECT r.table_name, r.row_id, r.identity
    FROM menuca_migrate.combo_batch_rows r
    JOIN menuca_migrate.combo_batches b ON b.batch_id = r.batch_id
    WHERE b.run_id = %(run_id)s
), items AS (
    DELETE FROM menuca_v3.combo_items ci
    USING batch
    WHERE batch.table_name = 'combo_items'
      AND ci.id = batch.row_id
      AND ci.combo_group_id = (batch.identity ->> 'combo_group_id')::bigint
      AND ci.dish_id = (batch.identity ->> 'dish_id')::bigint
    RETURNING ci.id
)
SELECT count(*) AS items_deleted FROM items
