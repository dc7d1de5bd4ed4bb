-- The combo assembly: a restaurant's active combo groups with their items and dishes.
SELECT g.id AS combo_group_id, g.name, g.combo_rules, ci.id AS combo_item_id, ci.display_order,
       d.id AS dish_id, d.name AS dish_name, d.base_price
FROM menuca_v3.combo_groups g
LEFT JOIN menuca_v3.combo_items ci ON ci.combo_group_id = g.id
LEFT JOIN menuca_v3.dishes d ON d.id = ci.dish_id
WHERE g.restaurant_id = %(restaurant_id)s
  AND g.is_active
ORDER BY g.id, ci.display_order, ci.id
