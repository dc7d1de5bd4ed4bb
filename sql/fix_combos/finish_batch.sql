-- The batch's totals, counted from the rows it recorded.
UPDATE menuca_migrate.combo_batches b
SET items_inserted = (SELECT count(*) FROM menuca_migrate.combo_batch_rows r
                      WHERE r.batch_id = b.batch_id AND r.table_name = 'combo_items'),
    dishes_backfilled = (SELECT count(*) FROM menuca_migrate.combo_batch_rows r
                         WHERE r.batch_id = b.batch_id AND r.table_name = 'dishes')
WHERE b.batch_id = %(batch_id)s
RETURNING items_inserted, dishes_backfilled
