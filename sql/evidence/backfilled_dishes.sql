-- The dishes a combo repair batch backfilled (fix_combos with backfill_missing_dishes=true), per
-- restaurant with the first names, for the operator's approval evidence. Reads only.
SELECT d.restaurant_id,
       count(*) AS dishes,
       (array_agg(d.name ORDER BY d.id))[1:3] AS names
FROM menuca_migrate.combo_batch_rows r
JOIN menuca_v3.dishes d ON d.id = r.row_id
WHERE r.batch_id = %(batch_id)s
  AND r.table_name = 'dishes'
GROUP BY d.restaurant_id
ORDER BY count(*) DESC, d.restaurant_id
