-- The menu query with each dish's modifier count.
SELECT d.id, d.name, d.base_price, c.name AS course_name,
       (SELECT count(*) FROM menuca_v3.dish_modifiers m WHERE m.dish_id = d.id) AS modifiers
FROM menuca_v3.dishes d
LEFT JOIN menuca_v3.courses c ON c.id = d.course_id
WHERE d.restaurant_id = %(restaurant_id)s
  AND d.is_active
ORDER BY c.display_order NULLS LAST, d.display_order, d.id
