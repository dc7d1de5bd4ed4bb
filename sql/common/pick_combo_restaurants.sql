-- The restaurants the combo query of the menu family is measured on, chosen from the data: the one
-- with the most active combo groups, and the median one among restaurants that have active combo
-- groups. (The menu query's restaurants, chosen by dishes, may have no combo group at all: the combo
-- query would then time only its planning and an empty index probe, which says nothing about combos.)
WITH per_restaurant AS (
    SELECT restaurant_id, count(*) AS groups
    FROM menuca_v3.combo_groups
    WHERE is_active
    GROUP BY restaurant_id
), ranked AS (
    SELECT restaurant_id, groups,
           row_number() OVER (ORDER BY groups DESC, restaurant_id) AS rank_desc,
           count(*) OVER () AS total
    FROM per_restaurant
)
SELECT restaurant_id, groups, CASE WHEN rank_desc = 1 THEN 'most combo groups' ELSE 'median' END AS why
FROM ranked
WHERE rank_desc = 1 OR rank_desc = (total + 1) / 2
ORDER BY rank_desc
