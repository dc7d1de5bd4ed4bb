-- Row counts some allow-tests must see exactly, read as the owner after setup.sql (so they include
-- the matrix's own rows): every inactive dish of tenant A.
SELECT count(*) AS a_inactive_dishes
FROM menuca_v3.dishes
WHERE restaurant_id = %(tenant_a)s AND NOT is_active
