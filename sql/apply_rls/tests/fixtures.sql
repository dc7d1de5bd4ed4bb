-- The identities and rows the RLS test matrix uses, chosen from the data as the owner (never
-- hard-coded ids: restaurant 123 of the original tests may have no dishes).
--   tenant_a, tenant_b: the two restaurants with the most dishes among those that have both active
--     and inactive dishes (any restaurants with dishes when fewer than two have both);
--   a/b_active_dish, a/b_inactive_dish: one of each per tenant (NULL when a tenant has none: the
--     matrix then uses its own hidden dish instead);
--   active_restaurant: an active restaurant; hidden_restaurant: one that is not active; neither is
--     a tenant; no_twilio_restaurant: a restaurant other than the tenants without a Twilio config;
--   end_user_id, end_user_auth: the first users row linked to Supabase auth (NULL when none is).
WITH per_restaurant AS (
    SELECT restaurant_id,
           count(*) FILTER (WHERE is_active) AS active,
           count(*) FILTER (WHERE NOT is_active) AS inactive
    FROM menuca_v3.dishes
    GROUP BY restaurant_id
), ranked AS (
    SELECT restaurant_id,
           row_number() OVER (
               ORDER BY (active > 0 AND inactive > 0) DESC, active + inactive DESC, restaurant_id
           ) AS rank
    FROM per_restaurant
), tenants AS (
    SELECT max(restaurant_id) FILTER (WHERE rank = 1) AS a,
           max(restaurant_id) FILTER (WHERE rank = 2) AS b
    FROM ranked
), linked AS (
    SELECT id, auth_user_id FROM menuca_v3.users WHERE auth_user_id IS NOT NULL ORDER BY id LIMIT 1
)
SELECT t.a AS tenant_a,
       t.b AS tenant_b,
       (SELECT min(d.id) FROM menuca_v3.dishes AS d WHERE d.restaurant_id = t.a AND d.is_active) AS a_active_dish,
       (SELECT min(d.id) FROM menuca_v3.dishes AS d WHERE d.restaurant_id = t.a AND NOT d.is_active) AS a_inactive_dish,
       (SELECT min(d.id) FROM menuca_v3.dishes AS d WHERE d.restaurant_id = t.b AND d.is_active) AS b_active_dish,
       (SELECT min(d.id) FROM menuca_v3.dishes AS d WHERE d.restaurant_id = t.b AND NOT d.is_active) AS b_inactive_dish,
       (SELECT min(r.id) FROM menuca_v3.restaurants AS r
         WHERE r.status = 'active' AND r.id NOT IN (t.a, t.b)) AS active_restaurant,
       (SELECT min(r.id) FROM menuca_v3.restaurants AS r
         WHERE r.status <> 'active' AND r.id NOT IN (t.a, t.b)) AS hidden_restaurant,
       (SELECT min(r.id) FROM menuca_v3.restaurants AS r
         WHERE r.id NOT IN (t.a, t.b)
           AND NOT EXISTS (SELECT 1 FROM menuca_v3.restaurant_twilio_config AS c WHERE c.restaurant_id = r.id)
       ) AS no_twilio_restaurant,
       (SELECT id FROM linked) AS end_user_id,
       (SELECT auth_user_id::text FROM linked) AS end_user_auth
FROM tenants AS t
