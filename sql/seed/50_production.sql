-- The small, deterministic difference production has over staging (seed --production): the
-- live site kept taking sign-ups, menu edits and promotions after staging was copied.
--
-- Fixed sizes at every scale: 25 users (2 of them linked to Supabase auth), 6 dishes in the two
-- biggest menus (one inactive), 4 coupons and 2 deals. Nothing here touches combos, the staging
-- schema, indexes, grants or RLS, so the runbook's figures (combo story, index catalog) are the same
-- on both databases; validate reports production's larger row counts beside staging's.
-- Ids come from the sequences, positioned by 20_data.sql, so they are deterministic too.

INSERT INTO menuca_v3.users (email, password_hash, first_name, last_name, phone, language, origin_restaurant_id,
                             auth_user_id, newsletter_subscribed, email_verified_at, login_count, last_login_at,
                             created_at)
SELECT 'new.customer' || n::text || '@example.com',
       '$2y$10$' || md5('production-user' || n::text),
       'New',
       'Customer ' || n::text,
       '613555' || lpad(n::text, 4, '0'),
       CASE WHEN n % 5 = 0 THEN 'fr' ELSE 'en' END,
       NULL,
       CASE WHEN n IN (1, 2)
            THEN md5('menuca-production-auth:' || current_setting('menuca.seed') || ':' || n::text)::uuid END,
       n % 3 = 0,
       timestamptz '2025-10-01 12:00:00+00' + n * interval '1 hour',
       1,
       timestamptz '2025-10-02 12:00:00+00' + n * interval '1 hour',
       timestamptz '2025-10-01 11:00:00+00' + n * interval '1 hour'
  FROM generate_series(1, 25) AS n
 ORDER BY n;

WITH biggest AS (
    SELECT restaurant_id, row_number() OVER (ORDER BY count(*) DESC, restaurant_id) AS rank
      FROM menuca_v3.dishes GROUP BY restaurant_id
     ORDER BY count(*) DESC, restaurant_id
     LIMIT 2
), first_course AS (
    SELECT DISTINCT ON (restaurant_id) restaurant_id, id
      FROM menuca_v3.courses
     WHERE restaurant_id IN (SELECT restaurant_id FROM biggest)
     ORDER BY restaurant_id, display_order, id
)
INSERT INTO menuca_v3.dishes (restaurant_id, course_id, name, description, base_price, display_order, is_active,
                              source_system, created_at)
SELECT b.restaurant_id,
       c.id,
       (ARRAY['Autumn Special Pizza', 'Pumpkin Spice Cheesecake', 'Maple Bacon Burger'])[d],
       'New this season',
       (ARRAY[16.99, 7.49, 14.99])[d],
       1000 + d,
       NOT (b.rank = 2 AND d = 3),
       'v3',
       timestamptz '2025-10-03 09:00:00+00' + d * interval '1 minute'
  FROM biggest b
  JOIN first_course c ON c.restaurant_id = b.restaurant_id
 CROSS JOIN generate_series(1, 3) AS d
 ORDER BY b.rank, d;

WITH live AS (
    SELECT id, row_number() OVER (ORDER BY id) AS rank
      FROM menuca_v3.restaurants WHERE status = 'active'
     ORDER BY id LIMIT 4
)
INSERT INTO menuca_v3.promotional_coupons (restaurant_id, code, name, discount_type, discount_amount, minimum_purchase,
                                           valid_from, valid_until, is_active, is_used, created_at)
SELECT live.id, 'FALL2025-' || live.rank::text, 'Fall 2025', 'percent', 15, 25.00,
       date '2025-10-01', date '2025-11-30', true, false, timestamptz '2025-09-30 12:00:00+00'
  FROM live
 ORDER BY live.rank;

WITH live AS (
    SELECT id, row_number() OVER (ORDER BY id) AS rank
      FROM menuca_v3.restaurants WHERE status = 'active'
     ORDER BY id LIMIT 2
)
INSERT INTO menuca_v3.promotional_deals (restaurant_id, name, deal_type, discount_percent, minimum_purchase,
                                         date_start, date_stop, is_enabled, created_at)
SELECT live.id, 'Thanksgiving Weekend', 'percent', 10, 30.00, date '2025-10-10', date '2025-10-13', true,
       timestamptz '2025-10-01 12:00:00+00'
  FROM live
 ORDER BY live.rank;
