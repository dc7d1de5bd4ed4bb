-- Every row this run's committed repair batches inserted in this database (to undo exactly those).
SELECT r.table_name, r.row_id, r.identity, b.batch_id
FROM menuca_migrate.combo_batch_rows r
JOIN menuca_migrate.combo_batches b ON b.batch_id = r.batch_id
WHERE b.run_id = %(run_id)s
ORDER BY r.table_name, r.row_id
