-- The restaurants the menu query is measured on, chosen from the data (never a hard-coded id): the
-- one with the most active dishes, and the median one among restaurants that have active dishes.
WITH per_restaurant AS (
    SELECT restaurant_id, count(*) AS dishes
    FROM menuca_v3.dishes
    WHERE is_active
    GROUP BY restaurant_id
), ranked AS (
    SELECT restaurant_id, dishes,
           row_number() OVER (ORDER BY dishes DESC, restaurant_id) AS rank_desc,
           count(*) OVER () AS total
    FROM per_restaurant
)
SELECT restaurant_id, dishes, CASE WHEN rank_desc = 1 THEN 'most dishes' ELSE 'median' END AS why
FROM ranked
WHERE rank_desc = 1 OR rank_desc = (total + 1) / 2
ORDER BY rank_desc
