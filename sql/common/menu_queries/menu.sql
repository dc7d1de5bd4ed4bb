-- The menu query: active dishes of one restaurant with their courses, in menu order.
SELECT d.id, d.name, d.description, d.base_price, d.prices, d.course_id, c.name AS course_name
FROM menuca_v3.dishes d
LEFT JOIN menuca_v3.courses c ON c.id = d.course_id
WHERE d.restaurant_id = %(restaurant_id)s
  AND d.is_active
ORDER BY c.display_order NULLS LAST, d.display_order, d.id
