-- Integrity of the combo junction: keys that are NULL, keys that point nowhere (even where a foreign
-- key is missing or NOT VALID), and (combo_group_id, dish_id) pairs present more than once (there is
-- no unique constraint on the pair).
SELECT
    (SELECT count(*) FROM menuca_v3.combo_items WHERE combo_group_id IS NULL OR dish_id IS NULL) AS null_keys,
    (SELECT count(*) FROM menuca_v3.combo_items ci
      WHERE ci.combo_group_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM menuca_v3.combo_groups g WHERE g.id = ci.combo_group_id)) AS dangling_groups,
    (SELECT count(*) FROM menuca_v3.combo_items ci
      WHERE ci.dish_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM menuca_v3.dishes d WHERE d.id = ci.dish_id)) AS dangling_dishes,
    (SELECT count(*) FROM (
        SELECT combo_group_id, dish_id FROM menuca_v3.combo_items
        GROUP BY combo_group_id, dish_id HAVING count(*) > 1) dup) AS duplicate_pairs
