-- The MenuCA V3 data at the time of the runbook (MENUCA_FACTS.md "Dataset"), generated set-based.
--
-- Parameters (set by server/seed.py with set_config(..., true) in the seed's transaction):
--   menuca.scale  numeric in [0.05, 100]; 1 reproduces the real row counts;
--   menuca.seed   any integer; the data is a pure function of (seed, scale).
--
-- Determinism: every "random" choice is pg_temp.h(stream, i), an md5 of seed, stream name and a
-- stable key (never random(), never row order), and every id is assigned by ORDER BY over such
-- keys. The same (seed, scale) gives the same rows on any machine, with or without parallel plans.
--
-- Scaling: a count c of the facts becomes round(c * scale), at least 1 for every table the facts
-- give rows (so that every table has rows to test RLS on at small scale); the four empty tables
-- stay empty. Reference tables keep their real size at every scale: provinces 13, cities 118,
-- marketing_tags 36, delivery_company_emails 9. Ratios are kept by construction.
--
-- The combo story (scale 1; all these figures scale):
--   combo_groups 8,234 in 454 restaurants: 8,047 V1 (legacy_v1_id, combo_rules), 187 V2; 6 inactive.
--   combo_items 63 in 16 groups: 13 V1 groups that are in the source junction, 3 V2 groups.
--   staging.menuca_v1_combos: 16,461 rows in 6,964 groups; 6,894 groups map to a V1 combo group,
--     70 do not. Items per group: 1: 64 %, 2: 12 %, 3: 12 %, 4: 4 %, 5-9: 5 %, 10+: 3 % (max 84).
--   5,777 distinct dishes referenced:
--     420 exist in menuca_v3.dishes (legacy_v1_id), 1,156 rows in 618 groups;
--     5,155 exist only in staging.menuca_v1_menu_full, unambiguously (menu or ingredient row);
--     201 exist only there and are ambiguous (one menu row and one ingredient row with that id);
--     1 exists nowhere.
--   Each ambiguous or missing dish is referenced exactly once: by the 70 unmapped groups, by 16
--   mapped groups that reference nothing else (so they stay empty after any repair), and once in
--   116 other mapped groups. Every referenced dish that exists belongs to its group's restaurant;
--   no (group, dish) pair repeats.
--   Consequences for a repair that maps groups by legacy_v1_id and dishes by legacy_v1_id within
--   the group's restaurant: without backfill 63 + 1,156 = 1,219 items in 16 + 618 = 634 groups
--   (naive orphan rate 92.3 %); after backfilling the 5,155 dishes 63 + 16,259 = 16,322 items in
--   6,881 groups (naive 1,353 / 8,234 = 16.43 %, source-backed 16 / 6,894 = 0.23 %). The real run
--   reported 16,356 items: with ~200 ambiguous dishes each referenced at least once, 16,322 is the
--   most the real counts allow.

-- The planner knows nothing about the temporary plan tables below and would JIT-compile every
-- statement for imagined millions of rows: that alone costs seconds. Local to the seed's transaction.
SELECT set_config('jit', 'off', true);
-- The plan tables are updated in place several times; with the default 8 MB of temporary buffers
-- they would be written to disk and read back. Allowed because the seed's session has not used a
-- temporary table yet.
SELECT set_config('temp_buffers', '512MB', true);
-- Sorts and hashes over a few hundred thousand plan rows (scale 10) stay in memory.
SELECT set_config('work_mem', '64MB', true);

-- ---------------------------------------------------------------------------------------------
-- Helpers (temporary: they vanish with the session and are never part of the schema)
-- ---------------------------------------------------------------------------------------------

-- A uniform number in [0, 1) from (seed, stream, i). hashint8extended hashes the integer value (not
-- its bytes), so it gives the same result on every platform; the stream key is an md5 of seed and
-- stream name. The seed is written into the function as a literal and the function is IMMUTABLE so
-- that, with a constant stream name, the planner folds the key into a constant: one integer hash
-- per row (about 0.1 microseconds) instead of an md5 per row.
DO $helpers$
BEGIN
    EXECUTE format($create$
        CREATE FUNCTION pg_temp.h(stream text, i bigint) RETURNS double precision
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $body$
                SELECT (hashint8extended(i, ('x' || substr(md5(%L || stream), 1, 16))::bit(64)::bigint)
                        & 4503599627370495)::double precision / 4503599627370496.0::double precision
            $body$
        $create$, 'menuca-seed:' || current_setting('menuca.seed')::bigint || ':');
END
$helpers$;

-- An integer in [0, n) from (seed, stream, i).
CREATE FUNCTION pg_temp.hi(stream text, i bigint, n bigint) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT floor(pg_temp.h(stream, i) * n)::bigint $$;

-- One element of a text array, chosen by (seed, stream, i).
CREATE FUNCTION pg_temp.pick(stream text, i bigint, choices text[]) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT choices[1 + pg_temp.hi(stream, i, cardinality(choices))] $$;

-- A count of the facts at the current scale (at least 1).
CREATE FUNCTION pg_temp.n(real_count numeric) RETURNS integer
    LANGUAGE sql STABLE
    AS $$ SELECT greatest(1, round(real_count * current_setting('menuca.scale')::numeric))::integer $$;

-- A deterministic timestamp between two dates.
CREATE FUNCTION pg_temp.ts(stream text, i bigint, lo date, hi date) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT (lo::timestamp + (pg_temp.h(stream, i) * extract(epoch FROM (hi::timestamp - lo::timestamp)))
            * interval '1 second')::timestamp(0) AT TIME ZONE 'UTC'
    $$;

-- A deterministic uuid.
CREATE FUNCTION pg_temp.uid(stream text, i bigint) RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT md5(current_setting('menuca.seed') || ':uuid:' || stream || ':' || i::text)::uuid $$;

-- ---------------------------------------------------------------------------------------------
-- Counts at this scale
-- ---------------------------------------------------------------------------------------------

CREATE TEMP TABLE cfg ON COMMIT DROP AS
WITH base AS (
    SELECT current_setting('menuca.scale')::numeric AS scale,
           pg_temp.n(944) AS n_rest,
           greatest(3, pg_temp.n(230)) AS n_dish_rest,
           pg_temp.n(100) AS n_both,
           greatest(2, pg_temp.n(454)) AS n_combo_rest,
           greatest(2, pg_temp.n(236)) AS n_active,
           round(38 * current_setting('menuca.scale')::numeric)::integer AS n_pending,
           round(9 * current_setting('menuca.scale')::numeric)::integer AS n_closed,
           round(47 * current_setting('menuca.scale')::numeric)::integer AS n_v2_only,
           pg_temp.n(1207) AS n_courses,
           pg_temp.n(10585) AS n_dishes,
           pg_temp.n(32) AS n_no_price,
           pg_temp.n(5134) AS n_with_prices,
           pg_temp.n(387) AS n_dup_names,
           pg_temp.n(8234) AS n_cg,
           pg_temp.n(187) AS n_cg_v2,
           pg_temp.n(6) AS n_cg_inactive,
           pg_temp.n(6964) AS n_src_groups,
           pg_temp.n(6894) AS n_src_mapped,
           pg_temp.n(16461) AS n_src_rows,
           pg_temp.n(16) AS n_src_orphans,
           pg_temp.n(420) AS n_v_dishes,
           pg_temp.n(5356) AS n_menu_only,
           pg_temp.n(201) AS n_ambiguous,
           pg_temp.n(1) AS n_nowhere,
           pg_temp.n(618) AS n_v_groups,
           pg_temp.n(1156) AS n_v_rows,
           pg_temp.n(16) AS n_pre_groups,
           pg_temp.n(13) AS n_pre_src,
           pg_temp.n(63) AS n_pre_items,
           pg_temp.n(62482) AS n_menu_full
)
SELECT base.*,
       -- restaurant kinds: B = dishes and combos, C = combos only, D = dishes only, N = neither
       greatest(n_dish_rest, n_courses) AS n_courses_eff,
       greatest(3 * n_dish_rest, n_dishes) AS n_dishes_eff,
       greatest(2 * n_combo_rest, n_cg) AS n_cg_eff,
       n_src_groups - n_src_mapped AS n_src_unmapped,
       n_menu_only - n_ambiguous AS n_m_dishes,
       n_ambiguous + n_nowhere - (n_src_groups - n_src_mapped) - n_src_orphans AS n_extra_a_groups,
       least(n_pre_src, n_pre_groups) AS n_pre_src_eff,
       greatest(n_pre_groups, n_pre_items) AS n_pre_items_eff
  FROM base;

-- ---------------------------------------------------------------------------------------------
-- Reference data: provinces and cities (real names; coordinates near each province's centre)
-- ---------------------------------------------------------------------------------------------

INSERT INTO menuca_v3.provinces (id, code, name, name_fr)
VALUES (1, 'ON', 'Ontario', 'Ontario'),
       (2, 'QC', 'Quebec', 'Québec'),
       (3, 'BC', 'British Columbia', 'Colombie-Britannique'),
       (4, 'AB', 'Alberta', 'Alberta'),
       (5, 'MB', 'Manitoba', 'Manitoba'),
       (6, 'SK', 'Saskatchewan', 'Saskatchewan'),
       (7, 'NS', 'Nova Scotia', 'Nouvelle-Écosse'),
       (8, 'NB', 'New Brunswick', 'Nouveau-Brunswick'),
       (9, 'NL', 'Newfoundland and Labrador', 'Terre-Neuve-et-Labrador'),
       (10, 'PE', 'Prince Edward Island', 'Île-du-Prince-Édouard'),
       (11, 'NT', 'Northwest Territories', 'Territoires du Nord-Ouest'),
       (12, 'YT', 'Yukon', 'Yukon'),
       (13, 'NU', 'Nunavut', 'Nunavut');

INSERT INTO menuca_v3.cities (id, province_id, name, timezone, latitude, longitude)
SELECT c.ord,
       c.province_id,
       c.name,
       CASE c.province_id
           WHEN 3 THEN 'America/Vancouver' WHEN 4 THEN 'America/Edmonton' WHEN 5 THEN 'America/Winnipeg'
           WHEN 6 THEN 'America/Regina' WHEN 7 THEN 'America/Halifax' WHEN 8 THEN 'America/Moncton'
           WHEN 9 THEN 'America/St_Johns' WHEN 10 THEN 'America/Halifax' WHEN 11 THEN 'America/Yellowknife'
           WHEN 12 THEN 'America/Whitehorse' WHEN 13 THEN 'America/Iqaluit'
           ELSE 'America/Toronto' END,
       round((p.lat + (pg_temp.h('city-lat', c.ord) - 0.5) * 2)::numeric, 7),
       round((p.lng + (pg_temp.h('city-lng', c.ord) - 0.5) * 3)::numeric, 7)
  FROM (
        SELECT ord, split_part(entry, '|', 1) AS name, split_part(entry, '|', 2)::bigint AS province_id
          FROM unnest(ARRAY[
              -- Ottawa and its region first: MenuCA's home market.
              'Ottawa|1', 'Kanata|1', 'Nepean|1', 'Orleans|1', 'Barrhaven|1', 'Gloucester|1', 'Stittsville|1',
              'Gatineau|2', 'Aylmer|2', 'Hull|2', 'Toronto|1', 'Mississauga|1', 'Brampton|1', 'Hamilton|1',
              'London|1', 'Markham|1', 'Vaughan|1', 'Kitchener|1', 'Windsor|1', 'Richmond Hill|1', 'Oakville|1',
              'Burlington|1', 'Oshawa|1', 'Barrie|1', 'St. Catharines|1', 'Cambridge|1', 'Kingston|1',
              'Guelph|1', 'Whitby|1', 'Ajax|1', 'Waterloo|1', 'Thunder Bay|1', 'Pickering|1', 'Niagara Falls|1',
              'Peterborough|1', 'Sudbury|1', 'Sault Ste. Marie|1', 'Sarnia|1', 'Belleville|1', 'Cornwall|1',
              'Brockville|1', 'Pembroke|1', 'Arnprior|1', 'Montréal|2', 'Québec|2', 'Laval|2', 'Longueuil|2',
              'Sherbrooke|2', 'Saguenay|2', 'Lévis|2', 'Trois-Rivières|2', 'Terrebonne|2',
              'Saint-Jean-sur-Richelieu|2', 'Repentigny|2', 'Brossard|2', 'Drummondville|2', 'Saint-Jérôme|2',
              'Granby|2', 'Blainville|2', 'Vancouver|3', 'Surrey|3', 'Burnaby|3', 'Richmond|3', 'Abbotsford|3',
              'Coquitlam|3', 'Kelowna|3', 'Victoria|3', 'Langley|3', 'Saanich|3', 'Nanaimo|3', 'Kamloops|3',
              'Calgary|4', 'Edmonton|4', 'Red Deer|4', 'Lethbridge|4', 'St. Albert|4', 'Medicine Hat|4',
              'Grande Prairie|4', 'Airdrie|4', 'Spruce Grove|4', 'Leduc|4', 'Winnipeg|5', 'Brandon|5',
              'Steinbach|5', 'Thompson|5', 'Portage la Prairie|5', 'Winkler|5', 'Saskatoon|6', 'Regina|6',
              'Prince Albert|6', 'Moose Jaw|6', 'Swift Current|6', 'Yorkton|6', 'Halifax|7', 'Dartmouth|7',
              'Sydney|7', 'Truro|7', 'New Glasgow|7', 'Kentville|7', 'Moncton|8', 'Saint John|8',
              'Fredericton|8', 'Dieppe|8', 'Miramichi|8', 'Edmundston|8', 'St. John''s|9', 'Mount Pearl|9',
              'Corner Brook|9', 'Gander|9', 'Charlottetown|10', 'Summerside|10', 'Stratford|10',
              'Yellowknife|11', 'Hay River|11', 'Whitehorse|12', 'Dawson City|12', 'Iqaluit|13',
              'Rankin Inlet|13'
          ]) WITH ORDINALITY AS t(entry, ord)
       ) AS c
  JOIN (VALUES (1, 45.0, -77.5), (2, 46.5, -72.5), (3, 49.5, -122.5), (4, 52.0, -113.5), (5, 50.0, -97.5),
               (6, 51.5, -106.0), (7, 45.0, -63.5), (8, 46.0, -65.5), (9, 48.0, -55.0), (10, 46.3, -63.3),
               (11, 61.5, -115.0), (12, 62.0, -136.0), (13, 63.0, -68.0)) AS p(id, lat, lng)
    ON p.id = c.province_id;

-- ---------------------------------------------------------------------------------------------
-- Restaurants: kinds, statuses, legacy ids
-- ---------------------------------------------------------------------------------------------

-- rp: one row per restaurant with the decisions every later table depends on.
CREATE TEMP TABLE rp ON COMMIT DROP AS
WITH ranked AS (
    SELECT r.id, row_number() OVER (ORDER BY pg_temp.h('restaurant-kind', r.id), r.id) AS rn
      FROM generate_series(1, (SELECT n_rest FROM cfg)) AS r(id)
), kinds AS (
    SELECT ranked.id,
           CASE WHEN rn <= cfg.n_both THEN 'B'
                WHEN rn <= cfg.n_combo_rest THEN 'C'
                WHEN rn <= cfg.n_combo_rest + cfg.n_dish_rest - cfg.n_both THEN 'D'
                ELSE 'N' END AS kind
      FROM ranked CROSS JOIN cfg
), quotas AS (
    -- Restaurants with a menu are mostly active; the rest is mostly suspended (70 % overall).
    -- At least one active restaurant has no menu (MENUCA_FACTS.md, mistake 12).
    SELECT q.*, cfg.n_active - q.a_d AS a_n, cfg.n_pending - q.p_d AS p_n, cfg.n_closed - q.c_d AS c_n
      FROM cfg,
           LATERAL (SELECT least(round(0.83 * cfg.n_dish_rest)::integer, cfg.n_active - 1) AS a_d,
                           least(round(0.02 * cfg.n_dish_rest)::integer, cfg.n_pending) AS p_d,
                           least(round(0.005 * cfg.n_dish_rest)::integer, cfg.n_closed) AS c_d) AS q
), statused AS (
    SELECT kinds.id, kinds.kind, kinds.kind IN ('B', 'D') AS has_dishes, kinds.kind IN ('B', 'C') AS has_combos,
           row_number() OVER (PARTITION BY kinds.kind IN ('B', 'D') ORDER BY pg_temp.h('restaurant-status', kinds.id), kinds.id) AS srn
      FROM kinds
)
SELECT s.id, s.kind, s.has_dishes, s.has_combos,
       (CASE WHEN s.srn <= CASE WHEN s.has_dishes THEN q.a_d ELSE q.a_n END THEN 'active'
             WHEN s.srn <= CASE WHEN s.has_dishes THEN q.a_d + q.p_d ELSE q.a_n + q.p_n END THEN 'pending'
             WHEN s.srn <= CASE WHEN s.has_dishes THEN q.a_d + q.p_d + q.c_d ELSE q.a_n + q.p_n + q.c_n END THEN 'closed'
             ELSE 'suspended' END)::menuca_v3.restaurant_status AS status,
       NULL::integer AS legacy_v1_id,
       NULL::integer AS legacy_v2_id
  FROM statused s CROSS JOIN quotas q;

-- V2-only restaurants (signed up after V1 was retired) have no legacy_v1_id; everything with combos
-- came from V1, so they are chosen among restaurants without combos.
WITH v2_only AS (
    SELECT id
      FROM rp
     WHERE kind IN ('D', 'N') AND status IN ('active', 'pending')
     ORDER BY pg_temp.h('restaurant-v2-only', id), id
     LIMIT (SELECT n_v2_only FROM cfg)
)
UPDATE rp
   SET legacy_v1_id = CASE WHEN rp.id IN (SELECT id FROM v2_only) THEN NULL ELSE (70 + rp.id + rp.id / 7)::integer END;

WITH in_v2 AS (
    SELECT id, row_number() OVER (ORDER BY id) AS rn
      FROM rp
     WHERE status <> 'suspended' OR legacy_v1_id IS NULL OR pg_temp.h('restaurant-in-v2', id) < 0.15
)
UPDATE rp SET legacy_v2_id = (1000 + in_v2.rn * 3)::integer FROM in_v2 WHERE in_v2.id = rp.id;

CREATE UNIQUE INDEX ON rp (id);

-- V1 restaurants, numbered from 0, for spreading rows over them.
CREATE TEMP TABLE v1r ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id, legacy_v1_id FROM rp WHERE legacy_v1_id IS NOT NULL;
CREATE UNIQUE INDEX ON v1r (idx);

INSERT INTO menuca_v3.restaurants (id, uuid, legacy_v1_id, legacy_v2_id, name, status, activated_at,
                                   suspended_at, closed_at, created_at, updated_at)
SELECT rp.id,
       pg_temp.uid('restaurant', rp.id),
       rp.legacy_v1_id,
       rp.legacy_v2_id,
       pg_temp.pick('restaurant-name-a', rp.id, ARRAY[
           'Milano', 'Capital', 'Rideau', 'Bytown', 'Golden', 'Royal', 'Little', 'Happy', 'Lucky', 'Village',
           'Maple', 'Northern', 'Glebe', 'Westboro', 'Kanata', 'Orleans', 'Barrhaven', 'Gatineau', 'Nepean',
           'Vanier', 'Hintonburg', 'Lansdowne', 'Byward', 'Sandy Hill', 'Centretown', 'Alta Vista', 'Carleton',
           'Bank Street', 'Elgin', 'Chinatown', 'Mario''s', 'Gino''s', 'Athena', 'Saigon', 'Bombay', 'Tokyo'])
       || ' ' ||
       pg_temp.pick('restaurant-name-b', rp.id, ARRAY[
           'Pizza', 'Shawarma', 'Sushi', 'Grill', 'Pho', 'Wings', 'Burger', 'Thai', 'Indian Cuisine',
           'Poutinerie', 'Subs', 'Kitchen', 'Bistro', 'Express', 'House', 'Palace', 'Garden', 'Diner', 'Cafe',
           'Pasta', 'Pizzeria', 'Restaurant', 'Take-Out', 'Fish & Chips']),
       rp.status,
       CASE WHEN rp.status <> 'pending' THEN created.at + interval '21 days' END,
       CASE WHEN rp.status = 'suspended' THEN pg_temp.ts('restaurant-suspended', rp.id, date '2019-01-01', date '2025-06-30') END,
       CASE WHEN rp.status = 'closed' THEN pg_temp.ts('restaurant-closed', rp.id, date '2023-01-01', date '2025-06-30') END,
       created.at,
       created.at + interval '60 days'
  FROM rp
 CROSS JOIN LATERAL (SELECT pg_temp.ts('restaurant-created', rp.id, date '2008-01-01', date '2018-12-31') AS at) AS created;

-- ---------------------------------------------------------------------------------------------
-- Menus: how many dishes and courses each restaurant with a menu has
-- ---------------------------------------------------------------------------------------------

-- Proportional allocation used throughout: item i of weight w_i gets
--   floor(E * W_i / W) - floor(E * W_{i-1} / W)       (W_i: cumulative weight, exact numeric)
-- which sums to exactly E and never exceeds ceil(E * w_i / W).

-- Dishes per restaurant: a skewed distribution (a few big menus of a few hundred dishes, a long
-- tail of small ones), at least 3 dishes each.
CREATE TEMP TABLE rmenu ON COMMIT DROP AS
WITH ranked AS (
    SELECT id AS restaurant_id,
           row_number() OVER (ORDER BY pg_temp.h('menu-size', id), id) AS k
      FROM rp WHERE has_dishes
), weighted AS (
    SELECT restaurant_id, k,
           sum(1.0 / (k + greatest(1, 10 * cfg.scale))) OVER (ORDER BY k ROWS UNBOUNDED PRECEDING) AS cw,
           sum(1.0 / (k + greatest(1, 10 * cfg.scale))) OVER () AS tw,
           cfg.n_dishes_eff - 3 * cfg.n_dish_rest AS e
      FROM ranked CROSS JOIN cfg
)
SELECT restaurant_id, k,
       3 + (floor(e * cw / tw) - floor(e * coalesce(lag(cw) OVER (ORDER BY k), 0) / tw))::integer AS n_dishes,
       0 AS n_courses
  FROM weighted;

-- Courses per restaurant: one at least, the rest in proportion to (dishes - 1), so never more
-- courses than dishes.
WITH weighted AS (
    SELECT restaurant_id, k,
           sum(n_dishes - 1) OVER (ORDER BY k ROWS UNBOUNDED PRECEDING)::numeric AS cw,
           sum(n_dishes - 1) OVER ()::numeric AS tw,
           (SELECT n_courses_eff - n_dish_rest FROM cfg) AS e
      FROM rmenu
), alloc AS (
    SELECT restaurant_id,
           1 + (floor(e * cw / tw) - floor(e * coalesce(lag(cw) OVER (ORDER BY k), 0) / tw))::integer AS n
      FROM weighted
)
UPDATE rmenu SET n_courses = alloc.n FROM alloc WHERE alloc.restaurant_id = rmenu.restaurant_id;

CREATE UNIQUE INDEX ON rmenu (restaurant_id);

-- Courses, numbered restaurant by restaurant.
CREATE TEMP TABLE cp ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY m.restaurant_id, c.k) AS id,
       m.restaurant_id, c.k AS course_k, m.n_courses
  FROM rmenu m
 CROSS JOIN LATERAL generate_series(1, m.n_courses) AS c(k);

CREATE UNIQUE INDEX ON cp (restaurant_id, course_k);

INSERT INTO menuca_v3.courses (id, restaurant_id, name, description, display_order, is_active,
                               legacy_v1_id, legacy_v2_id, source_system, created_at)
SELECT cp.id,
       cp.restaurant_id,
       names.list[1 + (cp.course_k - 1 + pg_temp.hi('course-name', cp.restaurant_id, 24)) % 24]
           || CASE WHEN cp.course_k > 24 THEN ' ' || ((cp.course_k - 1) / 24 + 1)::text ELSE '' END,
       CASE WHEN pg_temp.h('course-description', cp.id) < 0.3 THEN 'Served daily' END,
       cp.course_k,
       -- A few hidden courses; the menu query still joins them (it filters dishes, not courses).
       cp.course_k = 1 OR pg_temp.h('course-active', cp.id) >= 0.03,
       CASE WHEN rp.legacy_v1_id IS NOT NULL THEN (20000 + cp.id * 2)::integer END,
       CASE WHEN rp.legacy_v1_id IS NULL THEN (7000 + cp.id)::integer END,
       CASE WHEN rp.legacy_v1_id IS NOT NULL THEN 'v1' ELSE 'v2' END,
       pg_temp.ts('course-created', cp.id, date '2012-01-01', date '2020-12-31')
  FROM cp
  JOIN rp ON rp.id = cp.restaurant_id
 CROSS JOIN (SELECT ARRAY[
        'Appetizers', 'Pizzas', 'Specialty Pizzas', 'Burgers', 'Wings', 'Salads', 'Soups', 'Subs', 'Wraps',
        'Pasta', 'Poutine', 'Sides', 'Platters', 'Combos', 'Kids Menu', 'Desserts', 'Beverages',
        'Lunch Specials', 'Dinner Specials', 'Chef''s Specials', 'Vegetarian', 'Seafood', 'Breakfast',
        'Extras']) AS names(list);

-- ---------------------------------------------------------------------------------------------
-- Combo groups: how many each combo restaurant has, which are V1 or V2
-- ---------------------------------------------------------------------------------------------

-- Restaurants that also have a V3 menu (the active ones, mostly) tend to have the larger combo
-- menus: their rank key is halved.
CREATE TEMP TABLE rcombo ON COMMIT DROP AS
WITH ranked AS (
    SELECT id AS restaurant_id,
           row_number() OVER (ORDER BY pg_temp.h('combo-size', id) * CASE WHEN kind = 'B' THEN 0.5 ELSE 1 END, id) AS k
      FROM rp WHERE has_combos
), weighted AS (
    SELECT restaurant_id, k,
           sum(1.0 / (k + greatest(1, 20 * cfg.scale))) OVER (ORDER BY k ROWS UNBOUNDED PRECEDING) AS cw,
           sum(1.0 / (k + greatest(1, 20 * cfg.scale))) OVER () AS tw,
           cfg.n_cg_eff - 2 * cfg.n_combo_rest AS e
      FROM ranked CROSS JOIN cfg
)
SELECT restaurant_id, k,
       2 + (floor(e * cw / tw) - floor(e * coalesce(lag(cw) OVER (ORDER BY k), 0) / tw))::integer AS n_groups
  FROM weighted;

-- cgp: one row per combo group with its role in the combo story.
CREATE TEMP TABLE cgp ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY r.restaurant_id, g.j) AS id,
       r.restaurant_id, g.j, rp.kind, r.n_groups AS restaurant_groups,
       'v1'::text AS source_system,
       false AS mapped,           -- its legacy_v1_id appears in the source junction
       NULL::integer AS legacy_v1_id,
       NULL::integer AS legacy_v2_id,
       true AS is_active
  FROM rcombo r
  JOIN rp ON rp.id = r.restaurant_id
 CROSS JOIN LATERAL generate_series(1, r.n_groups) AS g(j);

CREATE UNIQUE INDEX ON cgp (id);

-- V2 combo groups belong to restaurants that also have a V3 menu (V2's own menus were migrated).
WITH v2 AS (
    SELECT id FROM cgp WHERE kind = 'B'
     ORDER BY pg_temp.h('combo-v2', id), id
     LIMIT (SELECT n_cg_v2 FROM cfg)
)
UPDATE cgp SET source_system = 'v2' FROM v2 WHERE v2.id = cgp.id;

WITH mapped AS (
    SELECT id FROM cgp WHERE source_system = 'v1'
     ORDER BY pg_temp.h('combo-mapped', id), id
     LIMIT (SELECT n_src_mapped FROM cfg)
)
UPDATE cgp SET mapped = true FROM mapped WHERE mapped.id = cgp.id;

WITH inactive AS (
    SELECT id FROM cgp ORDER BY pg_temp.h('combo-inactive', id), id LIMIT (SELECT n_cg_inactive FROM cfg)
)
UPDATE cgp SET is_active = false FROM inactive WHERE inactive.id = cgp.id;

-- Legacy V1 combo ids: the V1 groups plus the source groups that match no V3 group (70 at scale 1),
-- interleaved in one id space.
CREATE TEMP TABLE v1_combo_ids ON COMMIT DROP AS
WITH universe AS (
    SELECT id AS cg_id, NULL::integer AS phantom FROM cgp WHERE source_system = 'v1'
    UNION ALL
    SELECT NULL, u FROM generate_series(1, (SELECT n_src_unmapped FROM cfg)) AS u
), ranked AS (
    SELECT cg_id, phantom,
           row_number() OVER (ORDER BY pg_temp.h('combo-v1-id', coalesce(cg_id, -phantom)), coalesce(cg_id, -phantom)) AS rn
      FROM universe
)
SELECT cg_id, phantom, (3000 + rn * 2 + pg_temp.hi('combo-v1-gap', rn, 2))::integer AS legacy_v1_id
  FROM ranked;

UPDATE cgp SET legacy_v1_id = v.legacy_v1_id FROM v1_combo_ids v WHERE v.cg_id = cgp.id;

WITH v2 AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM cgp WHERE source_system = 'v2')
UPDATE cgp SET legacy_v2_id = (500 + v2.rn)::integer FROM v2 WHERE v2.id = cgp.id;

-- ---------------------------------------------------------------------------------------------
-- The source junction: groups, their sizes and what each row references
-- ---------------------------------------------------------------------------------------------

-- sg: one row per source group. role: 'unmapped' (no V3 group), 'orphan' (maps, but references only
-- ambiguous or missing dishes), 'pre' (maps, already has items in V3), 'v' (references dishes that
-- exist in V3), 'extra' (one of its rows is an ambiguous or missing dish), 'plain'.
CREATE TEMP TABLE sg ON COMMIT DROP AS
SELECT v1_combo_ids.legacy_v1_id, cg_id, cgp.restaurant_id, cgp.kind, cgp.restaurant_groups,
       CASE WHEN cg_id IS NULL THEN 'unmapped' ELSE 'plain' END AS role,
       CASE WHEN cg_id IS NULL THEN 1 END AS size,
       0 AS v_rows
  FROM v1_combo_ids
  LEFT JOIN cgp ON cgp.id = v1_combo_ids.cg_id
 WHERE v1_combo_ids.phantom IS NOT NULL OR cgp.mapped;

CREATE UNIQUE INDEX ON sg (legacy_v1_id);

WITH pre AS (
    SELECT legacy_v1_id FROM sg WHERE role = 'plain' AND kind = 'B'
     ORDER BY pg_temp.h('source-pre', cg_id), cg_id LIMIT (SELECT n_pre_src_eff FROM cfg)
)
UPDATE sg SET role = 'pre' FROM pre WHERE pre.legacy_v1_id = sg.legacy_v1_id;

WITH orphan AS (
    SELECT legacy_v1_id FROM sg WHERE role = 'plain'
     ORDER BY pg_temp.h('source-orphan', cg_id), cg_id LIMIT (SELECT n_src_orphans FROM cfg)
)
UPDATE sg SET role = 'orphan', size = 1 FROM orphan WHERE orphan.legacy_v1_id = sg.legacy_v1_id;

-- Group sizes, largest first. The bucket counts are the facts' distribution; sizes 5-9 follow a
-- fixed pattern and the 10+ bucket takes the remaining rows (its first group has 84 at scale 1),
-- so the sizes depend on the scale only, not on the seed.
CREATE TEMP TABLE sizes ON COMMIT DROP AS
WITH buckets AS (
    SELECT n_src_groups AS n, n_src_rows AS total,
           round(0.64 * n_src_groups)::integer AS c1,
           round(0.12 * n_src_groups)::integer AS c2,
           round(0.12 * n_src_groups)::integer AS c3,
           round(0.04 * n_src_groups)::integer AS c4,
           round(0.05 * n_src_groups)::integer AS c59
      FROM cfg
), shaped AS (
    SELECT b.*, b.n - b.c1 - b.c2 - b.c3 - b.c4 - b.c59 AS c10,
           (SELECT coalesce(sum((ARRAY[5, 5, 5, 6, 6, 6, 7, 7, 8, 9])[1 + (i - 1) % 10]), 0)
              FROM generate_series(1, b.c59) AS i) AS rows59
      FROM buckets b
), tens AS (
    SELECT s.*, s.total - (s.c1 + 2 * s.c2 + 3 * s.c3 + 4 * s.c4 + s.rows59) - 10 * s.c10 AS e10
      FROM shaped s
), big AS (
    -- 10+ groups: the first gets 74 / 2405 of the surplus over 10 items (74 at scale 1, where the
    -- surplus is 2405: the facts' maximum of 84), at most 74; the others share the rest with weights
    -- 1 / (i + 10 * scale), which keeps the distribution's shape at every scale.
    SELECT i,
           CASE WHEN i = 1 THEN first.extra
                ELSE (floor((t.e10 - first.extra) * cw / nullif(tw, 0))
                      - floor((t.e10 - first.extra) * coalesce(lag(cw) OVER (ORDER BY i), 0) / nullif(tw, 0)))::integer
           END AS extra
      FROM tens t
     CROSS JOIN LATERAL (
            SELECT i,
                   sum(CASE WHEN i = 1 THEN 0 ELSE 1.0 / (i + greatest(1, 10 * (SELECT scale FROM cfg))) END)
                       OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) AS cw,
                   sum(CASE WHEN i = 1 THEN 0 ELSE 1.0 / (i + greatest(1, 10 * (SELECT scale FROM cfg))) END)
                       OVER () AS tw
              FROM generate_series(1, t.c10) AS i
           ) AS w
     CROSS JOIN LATERAL (
            SELECT CASE WHEN t.c10 = 1 THEN t.e10 ELSE least(74, round(t.e10 * 74 / 2405.0)::integer) END AS extra
           ) AS first
), all_sizes AS (
    SELECT 10 + extra AS size FROM big
    UNION ALL
    SELECT (ARRAY[5, 5, 5, 6, 6, 6, 7, 7, 8, 9])[1 + (i - 1) % 10] FROM tens, generate_series(1, tens.c59) AS i
    UNION ALL SELECT 4 FROM tens, generate_series(1, tens.c4)
    UNION ALL SELECT 3 FROM tens, generate_series(1, tens.c3)
    UNION ALL SELECT 2 FROM tens, generate_series(1, tens.c2)
    UNION ALL SELECT 1 FROM tens, generate_series(1, tens.c1)
)
SELECT row_number() OVER (ORDER BY size DESC) AS pos, size FROM all_sizes;

-- Groups that reference dishes already in V3 (only in restaurants with a V3 menu), each with 1-3
-- such rows: v_rows = 1 + a share of the remaining rows with a random weight in [0.2, 2], which
-- (as n_v_rows < 1.9 * n_v_groups) never gives more than 2 extra rows.
WITH v AS (
    SELECT legacy_v1_id FROM sg WHERE role = 'plain' AND kind = 'B'
     ORDER BY pg_temp.h('source-v', cg_id), cg_id LIMIT (SELECT n_v_groups FROM cfg)
)
UPDATE sg SET role = 'v' FROM v WHERE v.legacy_v1_id = sg.legacy_v1_id;

WITH weighted AS (
    SELECT legacy_v1_id,
           sum(0.2 + 1.8 * pg_temp.h('source-v-rows', cg_id)::numeric) OVER (ORDER BY legacy_v1_id ROWS UNBOUNDED PRECEDING) AS cw,
           sum(0.2 + 1.8 * pg_temp.h('source-v-rows', cg_id)::numeric) OVER () AS tw,
           (SELECT n_v_rows - n_v_groups FROM cfg) AS e
      FROM sg WHERE role = 'v'
), alloc AS (
    SELECT legacy_v1_id,
           1 + (floor(e * cw / tw) - floor(e * coalesce(lag(cw) OVER (ORDER BY legacy_v1_id), 0) / tw))::integer AS v
      FROM weighted
)
UPDATE sg SET v_rows = alloc.v FROM alloc WHERE alloc.legacy_v1_id = sg.legacy_v1_id;

-- Every group not forced to size 1 takes the next size in the order of a key that favours
-- restaurants with many combo groups for the big sizes (a big combo menu tends to have the big
-- "build your own" groups), which also keeps each restaurant's dish pool large enough.
WITH ordered AS (
    SELECT legacy_v1_id,
           row_number() OVER (ORDER BY pg_temp.h('source-size', cg_id) ^ (restaurant_groups::double precision / 8), cg_id) AS pos
      FROM sg WHERE size IS NULL
)
UPDATE sg SET size = sizes.size FROM ordered JOIN sizes USING (pos) WHERE ordered.legacy_v1_id = sg.legacy_v1_id;

-- A group with more V3 rows than items swaps sizes with a plain group of 3 or 4 items.
WITH needy AS (
    SELECT legacy_v1_id, size, row_number() OVER (ORDER BY legacy_v1_id) AS rn
      FROM sg WHERE role = 'v' AND size < v_rows
), donors AS (
    SELECT legacy_v1_id, size, row_number() OVER (ORDER BY pg_temp.h('source-donor', cg_id), cg_id) AS rn
      FROM sg WHERE role = 'plain' AND size BETWEEN 3 AND 4
), pairs AS (
    SELECT needy.legacy_v1_id AS needy_id, needy.size AS needy_size,
           donors.legacy_v1_id AS donor_id, donors.size AS donor_size
      FROM needy JOIN donors USING (rn)
)
UPDATE sg SET size = CASE WHEN sg.legacy_v1_id = pairs.needy_id THEN pairs.donor_size ELSE pairs.needy_size END
  FROM pairs WHERE sg.legacy_v1_id IN (pairs.needy_id, pairs.donor_id);

WITH extra AS (
    SELECT legacy_v1_id FROM sg WHERE role = 'plain' AND size >= 2
     ORDER BY pg_temp.h('source-extra', cg_id), cg_id LIMIT (SELECT greatest(0, n_extra_a_groups) FROM cfg)
)
UPDATE sg SET role = 'extra' FROM extra WHERE extra.legacy_v1_id = sg.legacy_v1_id;

-- sr: one row per source row, with its category: V (a dish in V3), M (a dish only in the staging
-- menu, unambiguous), A (ambiguous, or the one that exists nowhere).
CREATE TEMP TABLE sr ON COMMIT DROP AS
SELECT sg.legacy_v1_id AS group_id, sg.cg_id, sg.restaurant_id, sg.role, p.pos,
       CASE WHEN sg.role IN ('unmapped', 'orphan') THEN 'A'
            WHEN sg.role = 'extra' AND p.pos = sg.size - 1 THEN 'A'
            WHEN p.pos < sg.v_rows THEN 'V'
            ELSE 'M' END AS cat,
       NULL::bigint AS dish_v1_id
  FROM sg
 CROSS JOIN LATERAL generate_series(0, sg.size - 1) AS p(pos);

-- Dish pools per restaurant. A restaurant's V rows (and separately its M rows), taken in
-- (group, position) order, reference pool entry k mod pool_size: distinct within a group as long as
-- the pool is at least as large as the group's largest run, and every entry is used as long as the
-- pool is no larger than the rows. Pool sizes: that lower bound plus a proportional share.
CREATE TEMP TABLE pools ON COMMIT DROP AS
WITH runs AS (
    SELECT restaurant_id, cat, group_id, count(*) AS run
      FROM sr WHERE cat IN ('V', 'M') GROUP BY restaurant_id, cat, group_id
), per_restaurant AS (
    SELECT runs.restaurant_id, runs.cat, sum(run)::integer AS n_rows, max(run)::integer AS lower_bound,
           coalesce(rmenu.n_dishes, 0) AS n_dishes
      FROM runs LEFT JOIN rmenu USING (restaurant_id)
     GROUP BY runs.restaurant_id, runs.cat, rmenu.n_dishes
), capped AS (
    SELECT p.*,
           CASE WHEN cat = 'V' THEN least(n_rows, n_dishes) ELSE n_rows END - lower_bound AS cap
      FROM per_restaurant p
), weighted AS (
    SELECT c.*,
           sum(cap) OVER (PARTITION BY cat ORDER BY restaurant_id ROWS UNBOUNDED PRECEDING)::numeric AS cw,
           sum(cap) OVER (PARTITION BY cat)::numeric AS tw,
           sum(lower_bound) OVER (PARTITION BY cat) AS total_lower
      FROM capped c
)
SELECT w.restaurant_id, w.cat, w.n_rows, w.lower_bound, w.cap, w.n_dishes,
       (w.lower_bound
        + floor((target.n - w.total_lower) * w.cw / nullif(w.tw, 0))
        - floor((target.n - w.total_lower) * coalesce(lag(w.cw) OVER (PARTITION BY w.cat ORDER BY w.restaurant_id), 0) / nullif(w.tw, 0))
       )::integer AS pool_size,
       target.n - w.total_lower AS spare
  FROM weighted w
  JOIN (SELECT 'V' AS cat, n_v_dishes AS n FROM cfg UNION ALL SELECT 'M', n_m_dishes FROM cfg) AS target USING (cat);

CREATE UNIQUE INDEX ON pools (restaurant_id, cat);

-- The plan must hold before anything else is built on it (it does at every scale >= 0.05; this
-- check turns a future change that breaks it into a clear error instead of wrong figures).
DO $check$
DECLARE
    problem text;
BEGIN
    SELECT string_agg(msg, '; ') INTO problem FROM (
        SELECT format('pool %s: spare %s of capacity %s', cat, min(spare), sum(cap)) AS msg
          FROM pools GROUP BY cat HAVING min(spare) < 0 OR min(spare) > sum(cap)
        UNION ALL
        SELECT format('source rows %s, expected %s', (SELECT count(*) FROM sr), n_src_rows) FROM cfg
         WHERE (SELECT count(*) FROM sr) <> n_src_rows
        UNION ALL
        SELECT format('V rows %s, expected %s', (SELECT count(*) FROM sr WHERE cat = 'V'), n_v_rows) FROM cfg
         WHERE (SELECT count(*) FROM sr WHERE cat = 'V') <> n_v_rows
        UNION ALL
        SELECT format('A rows %s, expected %s', (SELECT count(*) FROM sr WHERE cat = 'A'), n_ambiguous + n_nowhere) FROM cfg
         WHERE (SELECT count(*) FROM sr WHERE cat = 'A') <> n_ambiguous + n_nowhere
        UNION ALL
        SELECT format('%s groups without a size', count(*)) FROM sg WHERE size IS NULL HAVING count(*) > 0
        UNION ALL
        SELECT format('%s groups with more V3 rows than items', count(*)) FROM sg WHERE size < v_rows HAVING count(*) > 0
    ) AS problems;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'the dataset plan does not hold at scale %: %', current_setting('menuca.scale'), problem
            USING HINT = 'Use a scale between 0.05 and 100.';
    END IF;
END
$check$;

-- Pool index of every V and M row.
WITH numbered AS (
    SELECT sr.group_id, sr.pos,
           (row_number() OVER (PARTITION BY sr.restaurant_id, sr.cat ORDER BY sr.group_id, sr.pos) - 1) % pools.pool_size AS k
      FROM sr JOIN pools USING (restaurant_id, cat)
     WHERE sr.cat IN ('V', 'M')
)
UPDATE sr SET dish_v1_id = numbered.k
  FROM numbered WHERE numbered.group_id = sr.group_id AND numbered.pos = sr.pos;

CREATE UNIQUE INDEX ON sr (group_id, pos);

-- ---------------------------------------------------------------------------------------------
-- Dishes
-- ---------------------------------------------------------------------------------------------

-- dp: one row per dish. Ids run restaurant by restaurant. Position 1 of every menu is active and
-- position 2 inactive, so every restaurant with a menu has both (RLS tests need them); the others
-- are inactive with a probability that brings the total to about 15 %.
CREATE TEMP TABLE dp ON COMMIT DROP AS
WITH positions AS (
    SELECT m.restaurant_id, m.n_dishes, m.n_courses, d.p,
           row_number() OVER (ORDER BY m.restaurant_id, d.p) AS id
      FROM rmenu m CROSS JOIN LATERAL generate_series(1, m.n_dishes) AS d(p)
), referenced AS (
    -- The dishes combos reference in V3: the first pool_size dishes of the restaurant in a shuffled order.
    SELECT p.id,
           row_number() OVER (PARTITION BY p.restaurant_id ORDER BY pg_temp.h('dish-referenced', p.id), p.id) - 1 AS vk
      FROM positions p
)
SELECT p.id, p.restaurant_id, p.p, p.n_dishes,
       (p.p - 1) * p.n_courses / p.n_dishes + 1 AS course_k,
       CASE WHEN r.vk < coalesce(pools.pool_size, 0) THEN r.vk END AS v_k,
       CASE WHEN p.p = 1 THEN true
            WHEN p.p = 2 THEN false
            ELSE pg_temp.h('dish-active', p.id) >= (0.15 * cfg.n_dishes_eff - cfg.n_dish_rest) / (cfg.n_dishes_eff - 2 * cfg.n_dish_rest)
       END AS is_active,
       NULL::text AS source_system,
       NULL::integer AS legacy_v1_id,
       false AS dup_of_previous,
       'plain'::text AS price_kind
  FROM positions p
  JOIN referenced r USING (id)
  LEFT JOIN pools ON pools.restaurant_id = p.restaurant_id AND pools.cat = 'V'
 CROSS JOIN cfg;

CREATE UNIQUE INDEX ON dp (id);
CREATE UNIQUE INDEX ON dp (restaurant_id, p);

-- V1 or V2 origin: dishes referenced by combos are V1 (that is how combos reference them); the rest
-- of a V1 restaurant's menu is about half V1, half V2 (re-entered in V2's admin).
UPDATE dp SET source_system = CASE
        WHEN rp.legacy_v1_id IS NULL THEN 'v2'
        WHEN dp.v_k IS NOT NULL THEN 'v1'
        WHEN pg_temp.h('dish-source', dp.id) < 0.55 THEN 'v1'
        ELSE 'v2' END
  FROM rp WHERE rp.id = dp.restaurant_id;

-- Duplicate names: a dish at an even position repeats the name of the one before it (a V1 and a V2
-- copy of the same dish), giving exactly n_dup_names (restaurant, name) groups of two.
WITH dups AS (
    SELECT id FROM dp WHERE p % 2 = 0
     ORDER BY pg_temp.h('dish-dup', id), id LIMIT (SELECT n_dup_names FROM cfg)
)
UPDATE dp SET dup_of_previous = true FROM dups WHERE dups.id = dp.id;

-- Prices: n_no_price dishes have none at all, n_with_prices have per-size prices as well.
WITH ranked AS (
    SELECT id, row_number() OVER (ORDER BY pg_temp.h('dish-price', id), id) AS rn FROM dp
)
UPDATE dp SET price_kind = CASE WHEN ranked.rn <= cfg.n_no_price THEN 'none'
                                WHEN ranked.rn <= cfg.n_no_price + cfg.n_with_prices THEN 'sizes'
                                ELSE 'plain' END
  FROM ranked, cfg WHERE ranked.id = dp.id;

-- ---------------------------------------------------------------------------------------------
-- V1 menu ids: one id space for staging.menuca_v1_menu_full and dishes.legacy_v1_id
-- ---------------------------------------------------------------------------------------------

-- Slots: 'd' a V1 dish in V3; 'm' a menu-only dish referenced by combos; 'a' an ambiguous one
-- (two rows) or, for slot a = 1, the one that exists nowhere (no row); 'f' filler rows of the
-- V1 menu that nothing references (old menus of restaurants never migrated, unused toppings).
CREATE TEMP TABLE slots ON COMMIT DROP AS
WITH m_pool AS (
    SELECT pools.restaurant_id, k FROM pools CROSS JOIN LATERAL generate_series(0, pools.pool_size - 1) AS k
     WHERE pools.cat = 'M'
), counts AS (
    SELECT (SELECT count(*) FROM dp WHERE source_system = 'v1') AS n_d,
           (SELECT count(*) FROM m_pool) AS n_m,
           cfg.n_ambiguous + cfg.n_nowhere AS n_a,
           cfg.n_menu_full
      FROM cfg
), universe AS (
    SELECT 'd'::text AS kind, dp.id AS ref, dp.restaurant_id, NULL::bigint AS k FROM dp WHERE source_system = 'v1'
    UNION ALL
    SELECT 'm', row_number() OVER (ORDER BY restaurant_id, k), restaurant_id, k FROM m_pool
    UNION ALL
    SELECT 'a', a, NULL, NULL FROM counts, generate_series(1, counts.n_a) AS a
    UNION ALL
    SELECT 'f', f, NULL, NULL FROM counts, generate_series(1, counts.n_menu_full - counts.n_d - counts.n_m - 2 * (counts.n_a - (SELECT n_nowhere FROM cfg))) AS f
), ranked AS (
    SELECT u.*, row_number() OVER (ORDER BY pg_temp.h('menu-id', u.ref * 4 + strpos('dmaf', u.kind)), u.kind, u.ref) AS rn
      FROM universe u
)
SELECT kind, ref, restaurant_id, k, (1000 + rn * 2 + pg_temp.hi('menu-id-gap', rn, 2))::integer AS v1_id
  FROM ranked;

CREATE UNIQUE INDEX ON slots (kind, ref);

UPDATE dp SET legacy_v1_id = slots.v1_id FROM slots WHERE slots.kind = 'd' AND slots.ref = dp.id;

-- The A rows take the 'a' slots; slot 1 (exists nowhere) goes to a mapped group, so that a repair's
-- "dish missing" count is not hidden behind "group missing".
WITH a_rows AS (
    SELECT group_id, pos,
           row_number() OVER (ORDER BY (role = 'unmapped'), pg_temp.h('source-a', group_id * 100 + pos), group_id, pos) AS a
      FROM sr WHERE cat = 'A'
)
UPDATE sr SET dish_v1_id = slots.v1_id
  FROM a_rows JOIN slots ON slots.kind = 'a' AND slots.ref = a_rows.a
 WHERE a_rows.group_id = sr.group_id AND a_rows.pos = sr.pos;

-- The restaurant of each ambiguous dish's two menu rows: its group's restaurant, or for the
-- unmapped groups any V1 restaurant.
UPDATE slots SET restaurant_id = coalesce(sr.restaurant_id,
        (SELECT id FROM v1r WHERE idx = pg_temp.hi('ambiguous-restaurant', slots.ref, (SELECT count(*) FROM v1r))))
  FROM sr WHERE slots.kind = 'a' AND sr.cat = 'A' AND sr.dish_v1_id = slots.v1_id;

-- V rows: pool entry k of the restaurant is its dish with v_k = k.
UPDATE sr SET dish_v1_id = dp.legacy_v1_id
  FROM dp WHERE sr.cat = 'V' AND dp.restaurant_id = sr.restaurant_id AND dp.v_k = sr.dish_v1_id;

-- M rows: pool entry k of the restaurant is its 'm' slot with that k.
UPDATE sr SET dish_v1_id = slots.v1_id
  FROM slots WHERE sr.cat = 'M' AND slots.kind = 'm' AND slots.restaurant_id = sr.restaurant_id AND slots.k = sr.dish_v1_id;

INSERT INTO menuca_v3.dishes (id, restaurant_id, course_id, name, description, base_price, prices, size_options,
                              display_order, is_active, legacy_v1_id, legacy_v2_id, source_system, source_id,
                              created_at, updated_at)
SELECT dp.id,
       dp.restaurant_id,
       -- About 2 % of dishes lost their course in the migration (never the first two of a menu).
       CASE WHEN dp.p > 2 AND pg_temp.h('dish-no-course', dp.id) < 0.02 THEN NULL ELSE cp.id END,
       adjectives.list[1 + name_k.k % 24] || ' ' || bases.list[1 + (name_k.k / 24) % 40],
       CASE WHEN pg_temp.h('dish-description', dp.id) < 0.4
            THEN 'Made fresh to order with ' || lower(pg_temp.pick('dish-description-of', dp.id,
                 ARRAY['our house sauce', 'fresh vegetables', 'mozzarella', 'hand-cut fries', 'a side of garlic dip']))
       END,
       base.price,
       CASE WHEN dp.price_kind = 'sizes'
            THEN jsonb_build_object('S', base.price, 'M', base.price + 3, 'L', base.price + 6) END,
       CASE WHEN dp.price_kind = 'sizes' THEN '["S", "M", "L"]'::jsonb END,
       row_number() OVER (PARTITION BY dp.restaurant_id, dp.course_k ORDER BY dp.p)::integer,
       dp.is_active,
       dp.legacy_v1_id,
       CASE WHEN dp.source_system = 'v2' THEN (300000 + dp.id)::integer END,
       dp.source_system,
       coalesce(dp.legacy_v1_id, 300000 + dp.id),
       created.at,
       created.at + interval '30 days'
  FROM dp
  JOIN cp ON cp.restaurant_id = dp.restaurant_id AND cp.course_k = dp.course_k
 CROSS JOIN LATERAL (
        -- distinct names within a restaurant (24 x 40 combinations), except the chosen duplicates
        SELECT (dp.p - 1 - CASE WHEN dp.dup_of_previous THEN 1 ELSE 0 END
                + pg_temp.hi('dish-name', dp.restaurant_id, 960)) % 960 AS k
       ) AS name_k
 CROSS JOIN LATERAL (
        SELECT CASE WHEN dp.price_kind = 'none' THEN NULL
                    ELSE (4 + pg_temp.hi('dish-base-price', dp.id, 26))::numeric + 0.49 + 0.5 * pg_temp.hi('dish-cents', dp.id, 2)
               END AS price
       ) AS base
 CROSS JOIN LATERAL (SELECT pg_temp.ts('dish-created', dp.id, date '2012-01-01', date '2024-12-31') AS at) AS created
 CROSS JOIN (SELECT ARRAY['Classic', 'Deluxe', 'Spicy', 'House', 'Grilled', 'Crispy', 'BBQ', 'Garlic',
                          'Honey Garlic', 'Cajun', 'Veggie', 'Hawaiian', 'Supreme', 'Mediterranean', 'Buffalo',
                          'Teriyaki', 'Smoked', 'Stuffed', 'Loaded', 'Mini', 'Family', 'Double',
                          'Lemon Pepper', 'Sweet Chili']) AS adjectives(list)
 CROSS JOIN (SELECT ARRAY['Pizza', 'Burger', 'Chicken Wings', 'Caesar Salad', 'Greek Salad', 'Poutine', 'Fries',
                          'Onion Rings', 'Chicken Shawarma', 'Beef Shawarma', 'Falafel Wrap', 'Club Sandwich',
                          'Sub', 'Pasta', 'Lasagna', 'Fettuccine Alfredo', 'Spaghetti', 'Calzone', 'Panzerotti',
                          'Garlic Bread', 'Nachos', 'Quesadilla', 'Burrito', 'Tacos', 'Pad Thai', 'Fried Rice',
                          'Chow Mein', 'General Tao Chicken', 'Spring Rolls', 'Sushi Roll', 'Sashimi Platter',
                          'Ramen', 'Pho', 'Butter Chicken', 'Chicken Tikka', 'Samosas', 'Fish and Chips',
                          'Cheesecake', 'Brownie', 'Milkshake']) AS bases(list);

-- ---------------------------------------------------------------------------------------------
-- staging.menuca_v1_menu_full and staging.menuca_v1_combos
-- ---------------------------------------------------------------------------------------------

INSERT INTO staging.menuca_v1_menu_full (id, course, restaurant, sku, name, source_type)
-- V1 dishes that made it into V3.
SELECT s.v1_id::text, c.legacy_v1_id::text, rp.legacy_v1_id::text,
       CASE WHEN pg_temp.h('menu-sku', s.v1_id) < 0.3 THEN 'P' || (s.v1_id % 997)::text ELSE '' END,
       d.name, 'menu'
  FROM slots s
  JOIN menuca_v3.dishes d ON d.id = s.ref
  JOIN rp ON rp.id = d.restaurant_id
  LEFT JOIN menuca_v3.courses c ON c.id = d.course_id
 WHERE s.kind = 'd'
UNION ALL
-- Menu-only dishes that combos reference: hidden toppings, blank-named and combo-only items,
-- filtered out of the earlier menu load. About 55 % menu rows, 45 % ingredient rows.
SELECT s.v1_id::text,
       CASE WHEN kind.t = 'menu' THEN (80000 + s.restaurant_id * 10 + s.k % 7)::text END,
       rp.legacy_v1_id::text,
       '',
       CASE WHEN kind.t = 'menu' AND pg_temp.h('menu-only-blank', s.v1_id) < 0.12 THEN ''
            WHEN kind.t = 'menu' THEN pg_temp.pick('menu-only-name', s.v1_id, ARRAY[
                'Combo Drink', '2L Pop', 'Can of Pop', 'Small Fries', 'Garlic Dip', 'Side Caesar', 'Combo Side',
                'Hidden: Large Pizza', 'Hidden: Medium Pizza', '9" Sub', 'Wings (1 lb)', 'Kids Meal',
                'Free Dessert', 'Lunch Soup', 'Upgrade to Poutine', 'Combo Fries'])
                || ' #' || (s.k + 1)::text
            ELSE pg_temp.pick('menu-only-topping', s.v1_id, ARRAY[
                'Pepperoni', 'Mushrooms', 'Green Peppers', 'Onions', 'Black Olives', 'Extra Cheese', 'Bacon',
                'Ham', 'Pineapple', 'Hot Peppers', 'Tomatoes', 'Spinach', 'Feta', 'Chicken', 'Ground Beef',
                'Italian Sausage', 'Jalapenos', 'Banana Peppers', 'Coke', 'Diet Coke', 'Sprite', 'Ginger Ale'])
       END,
       kind.t
  FROM slots s
  JOIN rp ON rp.id = s.restaurant_id
 CROSS JOIN LATERAL (SELECT CASE WHEN pg_temp.h('menu-only-type', s.v1_id) < 0.55 THEN 'menu' ELSE 'ingredient' END AS t) AS kind
 WHERE s.kind = 'm'
UNION ALL
-- Ambiguous ids: one menu row and one ingredient row (slot 1 exists nowhere: no row).
SELECT s.v1_id::text,
       CASE WHEN t.t = 'menu' THEN (80000 + s.restaurant_id * 10)::text END,
       rp.legacy_v1_id::text,
       '',
       CASE WHEN t.t = 'menu' THEN 'Combo Item' ELSE 'Extra Topping' END || ' ' || s.ref::text,
       t.t
  FROM slots s
  JOIN rp ON rp.id = s.restaurant_id
 CROSS JOIN (VALUES ('menu'), ('ingredient')) AS t(t)
 WHERE s.kind = 'a' AND s.ref > (SELECT n_nowhere FROM cfg)
UNION ALL
-- Filler: the rest of the V1 menu, spread over every V1 restaurant.
SELECT s.v1_id::text,
       CASE WHEN kind.t = 'menu' THEN (80000 + r.id * 10 + s.ref % 7)::text END,
       r.legacy_v1_id::text,
       CASE WHEN pg_temp.h('filler-sku', s.ref) < 0.2 THEN 'S' || (s.ref % 991)::text ELSE '' END,
       CASE WHEN pg_temp.h('filler-blank', s.ref) < 0.03 THEN ''
            ELSE pg_temp.pick('filler-name-a', s.ref, ARRAY['Small', 'Medium', 'Large', 'X-Large', 'Party',
                     'Regular', 'Extra', 'Side of', 'Double', 'Add'])
                 || ' ' || pg_temp.pick('filler-name-b', s.ref, ARRAY['Pizza', 'Sub', 'Wings', 'Fries', 'Poutine',
                     'Salad', 'Cheese', 'Bacon', 'Mushrooms', 'Onions', 'Pepperoni', 'Sauce', 'Dip', 'Pop',
                     'Shawarma Plate', 'Donair', 'Pita', 'Rice', 'Soup', 'Dessert'])
       END,
       kind.t
  FROM slots s
 CROSS JOIN LATERAL (SELECT CASE WHEN pg_temp.h('filler-type', s.ref) < 0.45 THEN 'menu' ELSE 'ingredient' END AS t) AS kind
  JOIN v1r r ON r.idx = pg_temp.hi('filler-restaurant', s.ref, (SELECT count(*) FROM v1r))
 WHERE s.kind = 'f';

INSERT INTO staging.menuca_v1_combos (id, dish, "group", "order")
SELECT (row_number() OVER (ORDER BY pg_temp.h('combo-row-id', sr.group_id * 100 + sr.pos), sr.group_id, sr.pos))::text,
       sr.dish_v1_id::text,
       sr.group_id::text,
       -- V1 rarely used the order column: almost always 0.
       CASE WHEN pg_temp.h('combo-row-order', sr.group_id * 100 + sr.pos) < 0.99 THEN '0' ELSE (sr.pos + 1)::text END
  FROM sr;

-- ---------------------------------------------------------------------------------------------
-- Combo groups, their few surviving items, and their modifier pricing
-- ---------------------------------------------------------------------------------------------

INSERT INTO menuca_v3.combo_groups (id, restaurant_id, name, description, combo_rules, is_active, legacy_v1_id,
                                    legacy_v2_id, source_system, created_at, updated_at)
SELECT cgp.id,
       cgp.restaurant_id,
       pg_temp.pick('combo-name', cgp.id, ARRAY['Combo', 'Lunch Combo', 'Family Deal', 'Pizza Combo', 'Wing Combo',
           'Sub Combo', 'Party Pack', 'Special', 'Dinner for Two', 'Student Special', 'Game Day Deal', 'Value Meal'])
           || ' ' || cgp.j::text,
       CASE WHEN pg_temp.h('combo-description', cgp.id) < 0.25 THEN 'Choose your items; extras cost more' END,
       CASE WHEN cgp.source_system = 'v1' THEN jsonb_build_object(
           'item_count', coalesce(sg.size, 1 + pg_temp.hi('combo-item-count', cgp.id, 3)),
           'display_header', pg_temp.pick('combo-header', cgp.id, ARRAY['Choose your pizza', 'Pick your sides',
               'Choose your drink', 'First item;Second item', 'Select toppings']),
           'modifier_rules', jsonb_build_object(
               'bread', jsonb_build_object('enabled', pg_temp.h('combo-bread', cgp.id) < 0.3, 'min', 0, 'max', 1),
               'custom_ingredients', jsonb_build_object('enabled', pg_temp.h('combo-ci', cgp.id) < 0.6, 'min', 0,
                   'max', 1 + pg_temp.hi('combo-ci-max', cgp.id, 4)),
               'extras', jsonb_build_object('enabled', pg_temp.h('combo-extras', cgp.id) < 0.4, 'min', 0, 'max', 3)))
       END,
       cgp.is_active,
       cgp.legacy_v1_id,
       cgp.legacy_v2_id,
       cgp.source_system,
       created.at,
       created.at + interval '90 days'
  FROM cgp
  LEFT JOIN sg ON sg.cg_id = cgp.id
 CROSS JOIN LATERAL (SELECT pg_temp.ts('combo-created', cgp.id, date '2013-01-01', date '2022-12-31') AS at) AS created;

-- The 63 items that survived (scale 1): in the 13 mapped 'pre' groups and in 3 V2 groups, each
-- pointing at dishes of the group's restaurant (never a pair of the source junction: those groups
-- reference only menu-only dishes).
CREATE TEMP TABLE pre_groups ON COMMIT DROP AS
WITH chosen AS (
    SELECT cg_id AS id, restaurant_id, 'v1' AS source_system FROM sg WHERE role = 'pre'
    UNION ALL
    (SELECT id, restaurant_id, 'v2' FROM cgp WHERE source_system = 'v2'
      ORDER BY pg_temp.h('combo-pre-v2', id), id
      LIMIT (SELECT n_pre_groups - n_pre_src_eff FROM cfg))
), weighted AS (
    SELECT c.*, m.n_dishes,
           sum(least(m.n_dishes, 8) - 1) OVER (ORDER BY c.id ROWS UNBOUNDED PRECEDING)::numeric AS cw,
           sum(least(m.n_dishes, 8) - 1) OVER ()::numeric AS tw,
           (SELECT n_pre_items_eff - n_pre_groups FROM cfg) AS e
      FROM chosen c JOIN rmenu m USING (restaurant_id)
)
SELECT id, restaurant_id, source_system, n_dishes,
       1 + (floor(e * cw / tw) - floor(e * coalesce(lag(cw) OVER (ORDER BY id), 0) / tw))::integer AS n_items
  FROM weighted;

INSERT INTO menuca_v3.combo_items (id, combo_group_id, dish_id, quantity, is_required, display_order, source_system,
                                   source_id, created_at)
SELECT row_number() OVER (ORDER BY g.id, j.j),
       g.id,
       dp.id,
       1,
       j.j = 0,
       j.j,
       g.source_system,
       CASE WHEN g.source_system = 'v2' THEN 900000 + g.id * 10 + j.j END,
       pg_temp.ts('combo-item-created', g.id, date '2023-01-01', date '2024-12-31')
  FROM pre_groups g
 CROSS JOIN LATERAL generate_series(0, g.n_items - 1) AS j(j)
  JOIN dp ON dp.restaurant_id = g.restaurant_id
         AND dp.p = 1 + (pg_temp.hi('combo-item-dish', g.id, g.n_dishes) + j.j) % g.n_dishes;

-- ---------------------------------------------------------------------------------------------
-- Ingredients and ingredient groups (restaurants with a menu or combos)
-- ---------------------------------------------------------------------------------------------

CREATE TEMP TABLE ring ON COMMIT DROP AS
WITH ranked AS (
    SELECT id AS restaurant_id, kind, row_number() OVER (ORDER BY pg_temp.h('ingredient-size', id), id) AS k
      FROM rp WHERE kind IN ('B', 'C', 'D')
), weighted AS (
    SELECT r.*,
           sum(1.0 / (k + greatest(1, 20 * cfg.scale))) OVER (ORDER BY k ROWS UNBOUNDED PRECEDING) AS cw,
           sum(1.0 / (k + greatest(1, 20 * cfg.scale))) OVER () AS tw,
           count(*) OVER () AS n
      FROM ranked r CROSS JOIN cfg
), alloc AS (
    SELECT w.restaurant_id, w.kind, w.k,
           5 + (floor((pg_temp.n(31542) - 5 * w.n) * w.cw / w.tw)
                - floor((pg_temp.n(31542) - 5 * w.n) * coalesce(lag(w.cw) OVER (ORDER BY w.k), 0) / w.tw))::integer AS n_ing,
           3 + (floor((pg_temp.n(9169) - 3 * w.n) * w.cw / w.tw)
                - floor((pg_temp.n(9169) - 3 * w.n) * coalesce(lag(w.cw) OVER (ORDER BY w.k), 0) / w.tw))::integer AS n_ig
      FROM weighted w
)
SELECT alloc.*,
       sum(n_ing) OVER (ORDER BY restaurant_id ROWS UNBOUNDED PRECEDING) - n_ing AS ing_offset,
       sum(n_ig) OVER (ORDER BY restaurant_id ROWS UNBOUNDED PRECEDING) - n_ig AS ig_offset
  FROM alloc;

CREATE UNIQUE INDEX ON ring (restaurant_id);

INSERT INTO menuca_v3.ingredients (id, restaurant_id, name, ingredient_type, base_price, price_by_size, display_order,
                                   is_active, legacy_v1_id, legacy_v2_id, source_system, created_at)
SELECT r.ing_offset + i.i + 1,
       r.restaurant_id,
       t.names[1 + (i.i + pg_temp.hi('ingredient-name', r.restaurant_id, 40)) % 40]
           || CASE WHEN i.i >= 40 THEN ' (' || (i.i / 40 + 1)::text || ')' ELSE '' END,
       (ARRAY['topping', 'topping', 'topping', 'sauce', 'side', 'drink', 'dressing', 'bread'])[1 + i.i % 8],
       round((0.5 + pg_temp.hi('ingredient-price', r.ing_offset + i.i, 5) * 0.5)::numeric, 2),
       CASE WHEN pg_temp.h('ingredient-sizes', r.ing_offset + i.i) < 0.25
            THEN '{"S": 0.75, "M": 1.00, "L": 1.50, "XL": 2.00}'::jsonb END,
       i.i,
       pg_temp.h('ingredient-active', r.ing_offset + i.i) >= 0.08,
       CASE WHEN rp.legacy_v1_id IS NOT NULL THEN (400000 + r.ing_offset + i.i)::integer END,
       CASE WHEN rp.legacy_v1_id IS NULL THEN (600000 + r.ing_offset + i.i)::integer END,
       CASE WHEN rp.legacy_v1_id IS NOT NULL THEN 'v1' ELSE 'v2' END,
       pg_temp.ts('ingredient-created', r.ing_offset + i.i, date '2012-01-01', date '2022-12-31')
  FROM ring r
  JOIN rp ON rp.id = r.restaurant_id
 CROSS JOIN LATERAL generate_series(0, r.n_ing - 1) AS i(i)
 CROSS JOIN (SELECT ARRAY['Pepperoni', 'Mushrooms', 'Green Peppers', 'Onions', 'Black Olives', 'Extra Cheese',
                          'Bacon', 'Ham', 'Pineapple', 'Hot Peppers', 'Tomatoes', 'Spinach', 'Feta', 'Chicken',
                          'Ground Beef', 'Italian Sausage', 'Anchovies', 'Jalapenos', 'Red Onions', 'Banana Peppers',
                          'Garlic', 'Artichokes', 'Sun-dried Tomatoes', 'Goat Cheese', 'Cheddar', 'Mozzarella',
                          'Parmesan', 'Ranch', 'Blue Cheese', 'Honey Mustard', 'Hot Sauce', 'BBQ Sauce', 'Gravy',
                          'Coke', 'Diet Coke', 'Sprite', 'Ginger Ale', 'Iced Tea', 'Water', 'Garlic Dip']) AS t(names);

INSERT INTO menuca_v3.ingredient_groups (id, restaurant_id, name, group_type, applies_to_course, applies_to_dish,
                                         is_active, legacy_v1_id, legacy_v2_id, source_system, created_at)
SELECT r.ig_offset + g.g + 1,
       r.restaurant_id,
       (ARRAY['Pizza Toppings', 'Extras', 'Side Dishes', 'Drinks', 'Sauces', 'Bread', 'Dressings', 'Cooking Method'])[1 + g.g % 8]
           || CASE WHEN g.g >= 8 THEN ' ' || (g.g / 8 + 1)::text ELSE '' END,
       (ARRAY['ci', 'e', 'sd', 'd', 'sa', 'br', 'dr', 'cm'])[1 + g.g % 8],
       CASE WHEN m.restaurant_id IS NOT NULL AND pg_temp.h('ig-course', r.ig_offset + g.g) < 0.3
            THEN (SELECT cp.id FROM cp WHERE cp.restaurant_id = r.restaurant_id
                     AND cp.course_k = 1 + pg_temp.hi('ig-course-k', r.ig_offset + g.g, m.n_courses)) END,
       CASE WHEN m.restaurant_id IS NOT NULL AND pg_temp.h('ig-dish', r.ig_offset + g.g) < 0.1
            THEN (SELECT dp.id FROM dp WHERE dp.restaurant_id = r.restaurant_id
                     AND dp.p = 1 + pg_temp.hi('ig-dish-p', r.ig_offset + g.g, m.n_dishes)) END,
       pg_temp.h('ig-active', r.ig_offset + g.g) >= 0.05,
       CASE WHEN rp.legacy_v1_id IS NOT NULL THEN (30000 + r.ig_offset + g.g)::integer END,
       CASE WHEN rp.legacy_v1_id IS NULL THEN (70000 + r.ig_offset + g.g)::integer END,
       CASE WHEN rp.legacy_v1_id IS NOT NULL THEN 'v1' ELSE 'v2' END,
       pg_temp.ts('ig-created', r.ig_offset + g.g, date '2012-01-01', date '2022-12-31')
  FROM ring r
  JOIN rp ON rp.id = r.restaurant_id
  LEFT JOIN rmenu m ON m.restaurant_id = r.restaurant_id
 CROSS JOIN LATERAL generate_series(0, r.n_ig - 1) AS g(g);

-- Items per ingredient group: 1 + a share weighted by what the restaurant can offer (at most 12
-- distinct ingredients per group), so a group never lists an ingredient twice.
CREATE TEMP TABLE igp ON COMMIT DROP AS
WITH groups AS (
    SELECT r.ig_offset + g.g + 1 AS ig_id, r.restaurant_id, r.n_ing, r.ing_offset, least(r.n_ing, 12) - 1 AS w
      FROM ring r CROSS JOIN LATERAL generate_series(0, r.n_ig - 1) AS g(g)
), weighted AS (
    SELECT groups.*,
           sum(w) OVER (ORDER BY ig_id ROWS UNBOUNDED PRECEDING)::numeric AS cw,
           sum(w) OVER ()::numeric AS tw,
           (SELECT pg_temp.n(37684) - count(*) FROM groups) AS e
      FROM groups
), alloc AS (
    SELECT ig_id, restaurant_id, n_ing, ing_offset,
           1 + (floor(e * cw / tw) - floor(e * coalesce(lag(cw) OVER (ORDER BY ig_id), 0) / tw))::integer AS n_items
      FROM weighted
)
SELECT alloc.*, sum(n_items) OVER (ORDER BY ig_id ROWS UNBOUNDED PRECEDING) AS items_through
  FROM alloc;

INSERT INTO menuca_v3.ingredient_group_items (id, ingredient_group_id, ingredient_id, base_price, price_by_size,
                                              is_included, display_order, created_at)
SELECT row_id,
       g.ig_id,
       g.ing_offset + 1 + (pg_temp.hi('igi-offset', g.ig_id, g.n_ing) + j.j) % g.n_ing,
       round((pg_temp.hi('igi-price', row_id, 7) * 0.5)::numeric, 2),
       -- 37 % carry per-size prices (the GIN target idx_ingredient_items_price_gin indexes them).
       CASE WHEN pg_temp.h('igi-sizes', row_id) < 0.37
            THEN jsonb_build_object('S', 0.50 + pg_temp.hi('igi-size-price', row_id, 4) * 0.25, 'L', 1.50) END,
       pg_temp.h('igi-included', row_id) < 0.1,
       j.j,
       pg_temp.ts('igi-created', row_id, date '2012-01-01', date '2022-12-31')
  FROM igp g
 CROSS JOIN LATERAL generate_series(0, g.n_items - 1) AS j(j)
 CROSS JOIN LATERAL (SELECT g.items_through - g.n_items + j.j + 1 AS row_id) AS r;

-- Modifier pricing of V1 combo groups: each V1 group once, then again from the first, with a
-- different ingredient group of the same restaurant each round.
INSERT INTO menuca_v3.combo_group_modifier_pricing (id, combo_group_id, ingredient_group_id, group_type, pricing_rules,
                                                    legacy_v1_id, created_at)
SELECT k.k + 1,
       g.id,
       r.ig_offset + 1 + (pg_temp.hi('cgmp-offset', g.id, r.n_ig) + k.k / v1.n) % r.n_ig,
       (ARRAY['ci', 'e', 'sd', 'd', 'sa', 'br', 'dr', 'cm'])[1 + (pg_temp.hi('cgmp-offset', g.id, r.n_ig) + k.k / v1.n) % r.n_ig % 8],
       jsonb_build_object('free_quantity', pg_temp.hi('cgmp-free', k.k, 3),
                          'price', jsonb_build_object('S', 0.75, 'M', 1.00, 'L', 1.25 + pg_temp.hi('cgmp-price', k.k, 3) * 0.25)),
       (800000 + k.k)::integer,
       pg_temp.ts('cgmp-created', k.k, date '2013-01-01', date '2022-12-31')
  FROM generate_series(0, pg_temp.n(9141) - 1) AS k(k)
 CROSS JOIN (SELECT count(*) AS n FROM cgp WHERE source_system = 'v1') AS v1
  JOIN (SELECT id, restaurant_id, row_number() OVER (ORDER BY id) - 1 AS idx FROM cgp WHERE source_system = 'v1') AS g
    ON g.idx = k.k % v1.n
  JOIN ring r ON r.restaurant_id = g.restaurant_id;

-- Dish modifiers: three per chosen dish; 14.7 % carry per-size prices.
INSERT INTO menuca_v3.dish_modifiers (id, dish_id, ingredient_id, ingredient_group_id, restaurant_id, base_price,
                                      price_by_size, modifier_type, is_included, display_order, legacy_v1_id,
                                      legacy_v2_id, created_at)
SELECT k.k + 1,
       d.id,
       r.ing_offset + 1 + (pg_temp.hi('dm-ingredient', d.id, r.n_ing) + k.k % 3) % r.n_ing,
       r.ig_offset + 1 + pg_temp.hi('dm-group', d.id, r.n_ig),
       d.restaurant_id,
       round((0.5 + pg_temp.hi('dm-price', k.k, 6) * 0.25)::numeric, 2),
       CASE WHEN k.k < round(0.147 * pg_temp.n(2922))
            THEN jsonb_build_object('S', 1.00, 'M', 1.50, 'L', 2.00 + pg_temp.hi('dm-size-price', k.k, 3) * 0.25) END,
       (ARRAY['custom_ingredients', 'extras', 'side_dishes', 'drinks', 'sauces', 'bread', 'dressing', 'cooking_method'])[1 + pg_temp.hi('dm-type', k.k, 8)],
       pg_temp.h('dm-included', k.k) < 0.2,
       k.k % 3,
       CASE WHEN d.source_system = 'v1' THEN (850000 + k.k)::integer END,
       CASE WHEN d.source_system = 'v2' THEN (860000 + k.k)::integer END,
       pg_temp.ts('dm-created', k.k, date '2013-01-01', date '2022-12-31')
  FROM generate_series(0, pg_temp.n(2922) - 1) AS k(k)
  JOIN (SELECT id, restaurant_id, source_system, row_number() OVER (ORDER BY pg_temp.h('dm-dish', id), id) - 1 AS idx FROM dp) AS d
    ON d.idx = k.k / 3
  JOIN ring r ON r.restaurant_id = d.restaurant_id;

-- Dish customizations: two kinds per chosen dish (unique per dish and kind).
INSERT INTO menuca_v3.dish_customizations (id, dish_id, customization_type, ingredient_group_id, title, min_selections,
                                           max_selections, free_selections, is_required, display_order, legacy_v1_id,
                                           created_at)
SELECT k.k + 1,
       d.id,
       kinds.codes[1 + (pg_temp.hi('dc-type', d.id, 8) + k.k % 2) % 8],
       r.ig_offset + 1 + pg_temp.hi('dc-group', k.k, r.n_ig),
       kinds.titles[1 + (pg_temp.hi('dc-type', d.id, 8) + k.k % 2) % 8],
       mins.min_sel,
       mins.min_sel + 1 + pg_temp.hi('dc-max', k.k, 4),
       pg_temp.hi('dc-free', k.k, 2),
       mins.min_sel > 0,
       k.k % 2,
       CASE WHEN d.source_system = 'v1' THEN (870000 + k.k)::integer END,
       pg_temp.ts('dc-created', k.k, date '2013-01-01', date '2022-12-31')
  FROM generate_series(0, pg_temp.n(3866) - 1) AS k(k)
  JOIN (SELECT id, restaurant_id, source_system, row_number() OVER (ORDER BY pg_temp.h('dc-dish', id), id) - 1 AS idx FROM dp) AS d
    ON d.idx = k.k / 2
  JOIN ring r ON r.restaurant_id = d.restaurant_id
 CROSS JOIN LATERAL (SELECT pg_temp.hi('dc-min', k.k, 2)::integer AS min_sel) AS mins
 CROSS JOIN (SELECT ARRAY['ci', 'e', 'sd', 'd', 'sa', 'br', 'dr', 'cm'] AS codes,
                    ARRAY['Choose your toppings', 'Add extras', 'Choose a side', 'Choose a drink', 'Choose a sauce',
                          'Choose your bread', 'Choose a dressing', 'How would you like it cooked?'] AS titles) AS kinds;

-- ---------------------------------------------------------------------------------------------
-- Restaurant management, delivery, marketing, devices
-- ---------------------------------------------------------------------------------------------

-- Restaurant orders used to spread rows: 'any' is a shuffle of all restaurants, 'live' puts the
-- active ones first (schedules, devices, deals and the like belong mostly to live restaurants).
CREATE TEMP TABLE rorder ON COMMIT DROP AS
SELECT rp.id, rp.status, rp.legacy_v1_id, r.name,
       row_number() OVER (ORDER BY pg_temp.h('order-any', rp.id), rp.id) - 1 AS any_idx,
       row_number() OVER (ORDER BY rp.status <> 'active', pg_temp.h('order-live', rp.id), rp.id) - 1 AS live_idx
  FROM rp JOIN menuca_v3.restaurants r ON r.id = rp.id;

CREATE UNIQUE INDEX ON rorder (any_idx);
CREATE UNIQUE INDEX ON rorder (live_idx);

INSERT INTO menuca_v3.restaurant_locations (id, restaurant_id, is_primary, street_address, unit_number, city_id,
                                            province_id, postal_code, country_code, latitude, longitude, phone,
                                            email, is_active, created_at)
SELECT k.k + 1,
       r.id,
       true,
       (10 + pg_temp.hi('loc-number', k.k, 2990))::text || ' '
           || pg_temp.pick('loc-street', k.k, ARRAY['Bank St', 'Rideau St', 'Somerset St W', 'Elgin St',
              'Wellington St W', 'Carling Ave', 'Merivale Rd', 'Montreal Rd', 'St. Laurent Blvd', 'Baseline Rd',
              'Hazeldean Rd', 'Innes Rd', 'Preston St', 'Main St', 'King St', 'Queen St', 'Boul. Saint-Joseph']),
       CASE WHEN pg_temp.h('loc-unit', k.k) < 0.2 THEN 'Unit ' || (1 + pg_temp.hi('loc-unit-n', k.k, 20))::text END,
       c.id,
       c.province_id,
       pg_temp.pick('loc-fsa', k.k, ARRAY['K1', 'K2', 'K4', 'J8', 'J9', 'M5', 'H2'])
           || chr(65 + pg_temp.hi('loc-pc1', k.k, 26)::integer) || ' '
           || pg_temp.hi('loc-pc2', k.k, 10)::text || chr(65 + pg_temp.hi('loc-pc3', k.k, 26)::integer)
           || pg_temp.hi('loc-pc4', k.k, 10)::text,
       'CA',
       round((c.latitude + (pg_temp.h('loc-lat', k.k) - 0.5) * 0.1)::numeric, 8),
       round((c.longitude + (pg_temp.h('loc-lng', k.k) - 0.5) * 0.1)::numeric, 8),
       '613' || lpad(pg_temp.hi('loc-phone', k.k, 10000000)::text, 7, '0'),
       CASE WHEN pg_temp.h('loc-email', k.k) < 0.5 THEN 'info@restaurant' || r.id::text || '.ca' END,
       r.status = 'active' OR pg_temp.h('loc-active', k.k) < 0.4,
       pg_temp.ts('loc-created', k.k, date '2012-01-01', date '2020-12-31')
  FROM generate_series(0, pg_temp.n(921) - 1) AS k(k)
  JOIN rorder r ON r.any_idx = k.k
  -- Most restaurants are in the Ottawa region (the first ten cities).
  JOIN menuca_v3.cities c ON c.id = CASE WHEN pg_temp.h('loc-region', k.k) < 0.6 THEN 1 + pg_temp.hi('loc-city-local', k.k, 10)
                                         ELSE 11 + pg_temp.hi('loc-city', k.k, 108) END;

INSERT INTO menuca_v3.restaurant_contacts (id, restaurant_id, contact_type, first_name, last_name, email, phone,
                                           receives_orders, is_active, created_at)
SELECT k.k + 1,
       r.id,
       CASE WHEN pg_temp.h('contact-type', k.k) < 0.7 THEN 'owner'
            ELSE pg_temp.pick('contact-type-other', k.k, ARRAY['manager', 'billing', 'orders']) END,
       first_names.list[1 + pg_temp.hi('contact-first', k.k, 20)],
       last_names.list[1 + pg_temp.hi('contact-last', k.k, 20)],
       'contact' || (k.k + 1)::text || '@restaurant' || r.id::text || '.ca',
       '613' || lpad(pg_temp.hi('contact-phone', k.k, 10000000)::text, 7, '0'),
       pg_temp.h('contact-orders', k.k) < 0.5,
       pg_temp.h('contact-active', k.k) < 0.9,
       pg_temp.ts('contact-created', k.k, date '2012-01-01', date '2022-12-31')
  FROM generate_series(0, pg_temp.n(823) - 1) AS k(k)
  JOIN rorder r ON r.any_idx = (k.k + 17) % (SELECT n_rest FROM cfg)
 CROSS JOIN (SELECT ARRAY['Ahmed', 'Maria', 'John', 'Wei', 'Fatima', 'Luc', 'Sarah', 'Mohamed', 'Anh', 'Priya',
                          'Giuseppe', 'Nadia', 'Kevin', 'Sophie', 'Ali', 'Mei', 'Jean', 'Olga', 'Ravi', 'Emma']) AS first_names(list)
 CROSS JOIN (SELECT ARRAY['Haddad', 'Nguyen', 'Smith', 'Tremblay', 'Singh', 'Rossi', 'Chen', 'Khan', 'Gagnon',
                          'Wong', 'Roy', 'Patel', 'Kim', 'Martin', 'Ibrahim', 'Lee', 'Cote', 'Brown', 'Ali', 'Li']) AS last_names(list);

INSERT INTO menuca_v3.restaurant_admin_users (id, restaurant_id, first_name, last_name, email, password_hash,
                                              last_login_at, login_count, send_statement, is_active, legacy_v1_id,
                                              created_at)
SELECT k.k + 1,
       r.id,
       pg_temp.pick('rau-first', k.k, ARRAY['Ahmed', 'Maria', 'John', 'Wei', 'Fatima', 'Luc', 'Sarah', 'Mohamed']),
       pg_temp.pick('rau-last', k.k, ARRAY['Haddad', 'Nguyen', 'Smith', 'Tremblay', 'Singh', 'Rossi', 'Chen', 'Khan']),
       'owner' || (k.k + 1)::text || '@' || pg_temp.pick('rau-domain', k.k, ARRAY['gmail.com', 'hotmail.com', 'rogers.com']),
       '$2y$10$' || md5('rau' || k.k::text),
       CASE WHEN r.status = 'active' THEN pg_temp.ts('rau-login', k.k, date '2024-01-01', date '2025-09-30') END,
       pg_temp.hi('rau-logins', k.k, 500)::integer,
       pg_temp.h('rau-statement', k.k) < 0.6,
       r.status = 'active' OR pg_temp.h('rau-active', k.k) < 0.2,
       CASE WHEN r.legacy_v1_id IS NOT NULL THEN (5000 + k.k)::integer END,
       pg_temp.ts('rau-created', k.k, date '2012-01-01', date '2022-12-31')
  FROM generate_series(0, pg_temp.n(439) - 1) AS k(k)
  JOIN rorder r ON r.live_idx = k.k % (SELECT n_rest FROM cfg);

-- Schedules: about four per live restaurant (delivery and takeout, weekdays and weekends).
INSERT INTO menuca_v3.restaurant_schedules (id, restaurant_id, type, day_start, day_stop, time_start, time_stop,
                                            is_enabled, created_at)
SELECT k.k + 1,
       r.id,
       (ARRAY['delivery', 'takeout'])[1 + (k.k / m.m) % 2]::menuca_v3.schedule_type,
       (ARRAY[1, 1, 6, 6, 1, 1])[1 + (k.k / m.m) % 6],
       (ARRAY[5, 5, 7, 7, 7, 7])[1 + (k.k / m.m) % 6],
       time '10:00' + pg_temp.hi('schedule-open', k.k, 4) * interval '1 hour',
       time '20:00' + pg_temp.hi('schedule-close', k.k, 4) * interval '1 hour',
       pg_temp.h('schedule-enabled', k.k) < 0.92,
       pg_temp.ts('schedule-created', k.k, date '2014-01-01', date '2022-12-31')
  FROM generate_series(0, pg_temp.n(1002) - 1) AS k(k)
 CROSS JOIN (SELECT least(n_rest, ceil(pg_temp.n(1002) / 4.0))::integer AS m FROM cfg) AS m
  JOIN rorder r ON r.live_idx = k.k % m.m;

INSERT INTO menuca_v3.restaurant_special_schedules (id, restaurant_id, schedule_type, date_start, date_stop, time_start,
                                                    time_stop, reason, is_active, legacy_v1_id, created_at)
SELECT k.k + 1,
       r.id,
       CASE WHEN pg_temp.h('special-type', k.k) < 0.8 THEN 'closed' ELSE 'open' END,
       start.d,
       start.d + pg_temp.hi('special-days', k.k, 3)::integer,
       CASE WHEN pg_temp.h('special-type', k.k) >= 0.8 THEN time '12:00' END,
       CASE WHEN pg_temp.h('special-type', k.k) >= 0.8 THEN time '18:00' END,
       pg_temp.pick('special-reason', k.k, ARRAY['Holiday', 'Christmas', 'New Year', 'Renovation', 'Vacation']),
       pg_temp.h('special-active', k.k) < 0.7,
       (9000 + k.k)::integer,
       pg_temp.ts('special-created', k.k, date '2023-01-01', date '2024-12-01')
  FROM generate_series(0, pg_temp.n(50) - 1) AS k(k)
  JOIN rorder r ON r.live_idx = (k.k * 3) % (SELECT n_rest FROM cfg)
 CROSS JOIN LATERAL (SELECT (ARRAY[date '2024-12-24', date '2024-12-25', date '2025-01-01', date '2025-07-01',
                                   date '2025-02-10'])[1 + pg_temp.hi('special-date', k.k, 5)] AS d) AS start;

-- Service configs: one per restaurant (no unique constraint, see 10_schema.sql).
INSERT INTO menuca_v3.restaurant_service_configs (id, restaurant_id, delivery_enabled, delivery_time_minutes,
                                                  delivery_min_order, takeout_enabled, takeout_time_minutes,
                                                  takeout_discount_percent, accepts_tips, allows_preorders,
                                                  is_bilingual, default_language, created_at)
SELECT k.k + 1,
       r.id,
       r.status = 'active' AND pg_temp.h('service-delivery', k.k) < 0.8,
       30 + 5 * pg_temp.hi('service-delivery-time', k.k, 7)::integer,
       (10 + 5 * pg_temp.hi('service-min', k.k, 3))::numeric,
       pg_temp.h('service-takeout', k.k) < 0.9,
       15 + 5 * pg_temp.hi('service-takeout-time', k.k, 4)::integer,
       CASE WHEN pg_temp.h('service-discount', k.k) < 0.3 THEN 10.00 END,
       pg_temp.h('service-tips', k.k) < 0.85,
       pg_temp.h('service-preorders', k.k) < 0.3,
       pg_temp.h('service-bilingual', k.k) < 0.25,
       CASE WHEN pg_temp.h('service-language', k.k) < 0.15 THEN 'fr' ELSE 'en' END,
       pg_temp.ts('service-created', k.k, date '2014-01-01', date '2022-12-31')
  FROM generate_series(0, pg_temp.n(944) - 1) AS k(k)
  JOIN rorder r ON r.any_idx = k.k % (SELECT n_rest FROM cfg);

-- Time periods: lunch, dinner and late night of the two biggest menus.
INSERT INTO menuca_v3.restaurant_time_periods (id, restaurant_id, name, time_start, time_stop, is_enabled,
                                               display_order, created_at)
SELECT k.k + 1,
       m.restaurant_id,
       (ARRAY['Lunch', 'Dinner', 'Late Night'])[1 + k.k % 3],
       (ARRAY[time '11:00', time '16:00', time '22:00'])[1 + k.k % 3],
       (ARRAY[time '15:00', time '22:00', time '23:59'])[1 + k.k % 3],
       true,
       k.k % 3,
       timestamptz '2021-03-01 12:00:00+00'
  FROM generate_series(0, pg_temp.n(6) - 1) AS k(k)
  JOIN (SELECT restaurant_id, row_number() OVER (ORDER BY n_dishes DESC, restaurant_id) - 1 AS idx FROM rmenu) AS m
    ON m.idx = (k.k / 3) % (SELECT n_dish_rest FROM cfg);

INSERT INTO menuca_v3.restaurant_domains (id, restaurant_id, domain, domain_type, is_enabled, legacy_v1_id, created_at)
SELECT k.k + 1,
       r.id,
       lower(regexp_replace(r.name, '[^A-Za-z]', '', 'g')) || r.id::text || '.ca',
       CASE WHEN pg_temp.h('domain-type', k.k) < 0.9 THEN 'main' ELSE 'other' END,
       pg_temp.h('domain-enabled', k.k) < 0.85,
       CASE WHEN r.legacy_v1_id IS NOT NULL THEN (11000 + k.k)::integer END,
       pg_temp.ts('domain-created', k.k, date '2012-01-01', date '2022-12-31')
  FROM generate_series(0, pg_temp.n(713) - 1) AS k(k)
  JOIN rorder r ON r.any_idx = (k.k + 101) % (SELECT n_rest FROM cfg);

INSERT INTO menuca_v3.restaurant_id_mapping (id, new_restaurant_id, old_restaurant_id, source_system, restaurant_name,
                                             created_at)
SELECT row_number() OVER (ORDER BY r.id), r.id, r.legacy_v1_id, 'v1', r.name, timestamptz '2025-09-15 09:00:00+00'
  FROM (SELECT id, legacy_v1_id, name FROM rorder WHERE legacy_v1_id IS NOT NULL
         ORDER BY id LIMIT pg_temp.n(826)) AS r;

INSERT INTO menuca_v3.delivery_company_emails (id, email, company_name, created_at)
VALUES (1, 'dispatch@ottawadelivery.ca', 'Ottawa Delivery', timestamptz '2015-04-01 00:00:00+00'),
       (2, 'orders@capitaldrivers.ca', 'Capital Drivers', timestamptz '2015-06-01 00:00:00+00'),
       (3, 'dispatch@rideaucouriers.ca', 'Rideau Couriers', timestamptz '2016-01-15 00:00:00+00'),
       (4, 'orders@gatineaulivraison.ca', 'Gatineau Livraison', timestamptz '2016-05-01 00:00:00+00'),
       (5, 'dispatch@kanataexpress.ca', 'Kanata Express', timestamptz '2017-02-01 00:00:00+00'),
       (6, 'team@orleansrunners.ca', 'Orleans Runners', timestamptz '2017-08-01 00:00:00+00'),
       (7, 'dispatch@bytowndelivers.ca', 'Bytown Delivers', timestamptz '2018-03-01 00:00:00+00'),
       (8, 'orders@nepeanquick.ca', 'Nepean Quick', timestamptz '2019-01-01 00:00:00+00'),
       (9, 'dispatch@barrhavenbikes.ca', 'Barrhaven Bikes', timestamptz '2020-06-01 00:00:00+00');

INSERT INTO menuca_v3.restaurant_delivery_companies (id, restaurant_id, company_email_id, send_to_delivery,
                                                     disable_until, notes, created_at)
SELECT k.k + 1,
       r.id,
       1 + (pg_temp.hi('dco-company', r.id, 9) + k.k / m.m) % 9,
       pg_temp.h('dco-send', k.k) < 0.9,
       CASE WHEN pg_temp.h('dco-disable', k.k) < 0.05 THEN timestamptz '2025-12-31 00:00:00+00' END,
       NULL,
       pg_temp.ts('dco-created', k.k, date '2015-01-01', date '2023-12-31')
  FROM generate_series(0, pg_temp.n(160) - 1) AS k(k)
 CROSS JOIN (SELECT least(n_rest, ceil(pg_temp.n(160) / 1.2))::integer AS m FROM cfg) AS m
  JOIN rorder r ON r.live_idx = k.k % m.m;

INSERT INTO menuca_v3.restaurant_delivery_fees (id, restaurant_id, company_email_id, fee_type, tier_value,
                                                total_delivery_fee, driver_earning, restaurant_pays, vendor_pays,
                                                created_at)
SELECT k.k + 1,
       r.id,
       1 + pg_temp.hi('fee-company', r.id, 9),
       CASE WHEN pg_temp.h('fee-type', r.id) < 0.8 THEN 'distance' ELSE 'area' END,
       1 + k.k / m.m,
       (3.99 + (k.k / m.m) * 1.50)::numeric(10, 2),
       (3.00 + (k.k / m.m) * 1.00)::numeric(10, 2),
       CASE WHEN pg_temp.h('fee-restaurant-pays', k.k) < 0.3 THEN 1.00 END,
       NULL,
       pg_temp.ts('fee-created', k.k, date '2015-01-01', date '2023-12-31')
  FROM generate_series(0, pg_temp.n(210) - 1) AS k(k)
 CROSS JOIN (SELECT least(n_rest, ceil(pg_temp.n(210) / 3.0))::integer AS m FROM cfg) AS m
  JOIN rorder r ON r.live_idx = (k.k % m.m + 5) % (SELECT n_rest FROM cfg);

INSERT INTO menuca_v3.restaurant_partner_schedules (id, restaurant_id, partner, day_start, day_stop, time_start,
                                                    time_stop, is_enabled, created_at)
SELECT k.k + 1,
       r.id,
       CASE WHEN k.k % 2 = 0 THEN 'Uber Eats' ELSE 'DoorDash' END,
       1 + k.k % 7,
       1 + k.k % 7,
       time '11:00',
       time '21:00',
       true,
       timestamptz '2023-05-01 12:00:00+00'
  FROM generate_series(0, pg_temp.n(7) - 1) AS k(k)
  JOIN rorder r ON r.live_idx = 0;

INSERT INTO menuca_v3.restaurant_twilio_config (id, restaurant_id, enable_call, phone_number, created_at)
SELECT k.k + 1,
       r.id,
       pg_temp.h('twilio-call', k.k) < 0.7,
       '+1613' || lpad(pg_temp.hi('twilio-phone', k.k, 10000000)::text, 7, '0'),
       pg_temp.ts('twilio-created', k.k, date '2016-01-01', date '2022-12-31')
  FROM generate_series(0, pg_temp.n(18) - 1) AS k(k)
  JOIN rorder r ON r.live_idx = (k.k * 7 + 3) % (SELECT n_rest FROM cfg);

INSERT INTO menuca_v3.restaurant_delivery_config (id, restaurant_id, delivery_method, delivery_partner, default_fee,
                                                  min_order, max_distance_km, uses_distance_fees, is_active,
                                                  created_at)
SELECT k.k + 1,
       r.id,
       CASE WHEN r.status <> 'active' THEN 'disabled'
            WHEN pg_temp.h('dconf-method', k.k) < 0.7 THEN 'in_house' ELSE 'third_party' END,
       CASE WHEN pg_temp.h('dconf-method', k.k) >= 0.7 THEN 'Ottawa Delivery' END,
       (2.99 + pg_temp.hi('dconf-fee', k.k, 4))::numeric(10, 2),
       (10 + 5 * pg_temp.hi('dconf-min', k.k, 3))::numeric(10, 2),
       (3 + pg_temp.hi('dconf-distance', k.k, 8))::numeric(6, 2),
       pg_temp.h('dconf-distance-fees', k.k) < 0.3,
       r.status = 'active',
       pg_temp.ts('dconf-created', k.k, date '2015-01-01', date '2023-12-31')
  FROM generate_series(0, pg_temp.n(825) - 1) AS k(k)
  JOIN rorder r ON r.any_idx = (k.k + 233) % (SELECT n_rest FROM cfg);

INSERT INTO menuca_v3.restaurant_delivery_areas (id, restaurant_id, area_number, area_name, delivery_fee, min_order,
                                                 geometry, is_active, created_at)
SELECT k.k + 1,
       r.id,
       1 + k.k / m.m,
       'Zone ' || (1 + k.k / m.m)::text,
       (2.99 + (k.k / m.m) * 2)::numeric(10, 2),
       (15 + 5 * (k.k / m.m))::numeric(10, 2),
       jsonb_build_object('type', 'Polygon', 'coordinates',
           jsonb_build_array(jsonb_build_array(jsonb_build_array(-75.70, 45.42), jsonb_build_array(-75.60, 45.42),
                                               jsonb_build_array(-75.60, 45.36), jsonb_build_array(-75.70, 45.42)))),
       pg_temp.h('area-active', k.k) < 0.9,
       pg_temp.ts('area-created', k.k, date '2018-01-01', date '2023-12-31')
  FROM generate_series(0, pg_temp.n(47) - 1) AS k(k)
 CROSS JOIN (SELECT least(n_rest, ceil(pg_temp.n(47) / 3.0))::integer AS m FROM cfg) AS m
  JOIN rorder r ON r.live_idx = (k.k % m.m + 11) % (SELECT n_rest FROM cfg);

INSERT INTO menuca_v3.marketing_tags (id, name, slug, description, created_at)
SELECT t.ord, t.name, lower(regexp_replace(t.name, '[^A-Za-z]+', '-', 'g')), NULL, timestamptz '2020-01-15 12:00:00+00'
  FROM unnest(ARRAY['Pizza', 'Burgers', 'Chinese', 'Indian', 'Thai', 'Vietnamese', 'Japanese', 'Sushi', 'Lebanese',
                    'Shawarma', 'Greek', 'Italian', 'Mexican', 'Canadian', 'Breakfast', 'Desserts', 'Vegetarian',
                    'Vegan', 'Gluten-Free', 'Halal', 'Healthy', 'Fast Food', 'Fine Dining', 'Family Style',
                    'Late Night', 'Delivery', 'Takeout', 'Wings', 'Seafood', 'Korean', 'Caribbean', 'Middle Eastern',
                    'Poutine', 'Subs', 'Salads', 'Coffee']) WITH ORDINALITY AS t(name, ord);

INSERT INTO menuca_v3.restaurant_tag_associations (id, restaurant_id, tag_id, created_at)
SELECT k.k + 1,
       r.id,
       1 + (pg_temp.hi('tag-first', r.id, 36) + k.k / m.m * 7) % 36,
       timestamptz '2021-06-01 12:00:00+00'
  FROM generate_series(0, pg_temp.n(29) - 1) AS k(k)
 CROSS JOIN (SELECT least(n_rest, ceil(pg_temp.n(29) / 2.0))::integer AS m FROM cfg) AS m
  JOIN rorder r ON r.live_idx = k.k % m.m;

INSERT INTO menuca_v3.promotional_deals (id, restaurant_id, name, description, deal_type, discount_percent,
                                         discount_amount, minimum_purchase, date_start, date_stop, is_enabled,
                                         legacy_v1_id, legacy_v2_id, created_at)
SELECT k.k + 1,
       r.id,
       pg_temp.pick('deal-name', k.k, ARRAY['Tuesday Special', 'Family Night', '2 for 1 Pizza', '10% Off Pickup',
           'Free Garlic Bread', 'Student Discount', 'Weekend Deal', 'First Order Discount']),
       NULL,
       kind.t,
       CASE WHEN kind.t = 'percent' THEN (5 * (1 + pg_temp.hi('deal-percent', k.k, 4)))::numeric END,
       CASE WHEN kind.t = 'amount' THEN (2 + pg_temp.hi('deal-amount', k.k, 8))::numeric END,
       (15 + 5 * pg_temp.hi('deal-min', k.k, 4))::numeric,
       start.d,
       start.d + (7 * (1 + pg_temp.hi('deal-weeks', k.k, 26)))::integer,
       pg_temp.h('deal-enabled', k.k) < 0.7,
       CASE WHEN pg_temp.h('deal-origin', k.k) < 0.5 THEN (12000 + k.k)::integer END,
       CASE WHEN pg_temp.h('deal-origin', k.k) >= 0.5 THEN (13000 + k.k)::integer END,
       start.d::timestamp AT TIME ZONE 'UTC' - interval '3 days'
  FROM generate_series(0, pg_temp.n(202) - 1) AS k(k)
 CROSS JOIN (SELECT least(n_rest, ceil(pg_temp.n(202) / 2.5))::integer AS m FROM cfg) AS m
  JOIN rorder r ON r.live_idx = k.k % m.m
 CROSS JOIN LATERAL (SELECT (ARRAY['percent', 'percent', 'amount', 'free_item', 'bogo'])[1 + pg_temp.hi('deal-type', k.k, 5)] AS t) AS kind
 CROSS JOIN LATERAL (SELECT date '2023-01-02' + pg_temp.hi('deal-start', k.k, 1000)::integer AS d) AS start;

INSERT INTO menuca_v3.promotional_coupons (id, restaurant_id, code, name, discount_type, discount_amount,
                                           minimum_purchase, valid_from, valid_until, is_active, is_used,
                                           legacy_v1_id, legacy_v2_id, created_at)
SELECT k.k + 1,
       r.id,
       pg_temp.pick('coupon-word', k.k, ARRAY['SAVE', 'PIZZA', 'WELCOME', 'FREE', 'DEAL', 'OTTAWA', 'SPRING', 'FALL'])
           || (10 + k.k)::text,
       'Coupon ' || (k.k + 1)::text,
       kind.t,
       CASE WHEN kind.t = 'percent' THEN 10 WHEN kind.t = 'amount' THEN 5 ELSE 0 END,
       CASE WHEN pg_temp.h('coupon-min', k.k) < 0.6 THEN 20.00 END,
       start.d,
       start.d + 90,
       pg_temp.h('coupon-active', k.k) < 0.6,
       pg_temp.h('coupon-used', k.k) < 0.2,
       CASE WHEN pg_temp.h('coupon-origin', k.k) < 0.5 THEN (14000 + k.k)::integer END,
       CASE WHEN pg_temp.h('coupon-origin', k.k) >= 0.5 THEN (15000 + k.k)::integer END,
       start.d::timestamp AT TIME ZONE 'UTC' - interval '1 day'
  FROM generate_series(0, pg_temp.n(581) - 1) AS k(k)
 CROSS JOIN (SELECT least(n_rest, ceil(pg_temp.n(581) / 3.0))::integer AS m FROM cfg) AS m
  JOIN rorder r ON r.live_idx = (k.k % m.m + 23) % (SELECT n_rest FROM cfg)
 CROSS JOIN LATERAL (SELECT (ARRAY['percent', 'amount', 'free_delivery'])[1 + pg_temp.hi('coupon-type', k.k, 3)] AS t) AS kind
 CROSS JOIN LATERAL (SELECT date '2022-01-03' + pg_temp.hi('coupon-start', k.k, 1300)::integer AS d) AS start;

INSERT INTO menuca_v3.devices (id, restaurant_id, device_uuid, device_name, device_type, is_active, last_seen_at,
                               legacy_v1_id, created_at)
SELECT k.k + 1,
       r.id,
       pg_temp.uid('device', k.k),
       (CASE WHEN kind.t = 'printer' THEN 'Printer ' ELSE 'Tablet ' END) || (1 + k.k / m.m)::text,
       kind.t,
       r.status = 'active' AND pg_temp.h('device-active', k.k) < 0.85,
       CASE WHEN r.status = 'active' THEN pg_temp.ts('device-seen', k.k, date '2025-06-01', date '2025-10-01') END,
       CASE WHEN r.legacy_v1_id IS NOT NULL THEN (16000 + k.k)::integer END,
       pg_temp.ts('device-created', k.k, date '2015-01-01', date '2024-12-31')
  FROM generate_series(0, pg_temp.n(981) - 1) AS k(k)
 CROSS JOIN (SELECT least(n_rest, ceil(pg_temp.n(981) / 1.6))::integer AS m FROM cfg) AS m
  JOIN rorder r ON r.live_idx = k.k % m.m
 CROSS JOIN LATERAL (SELECT CASE WHEN pg_temp.h('device-type', k.k) < 0.75 THEN 'tablet' ELSE 'printer' END AS t) AS kind;

-- ---------------------------------------------------------------------------------------------
-- Users and admins
-- ---------------------------------------------------------------------------------------------

-- About 10 % of users have signed in through Supabase auth (auth_user_id); user 1 always has, so
-- that there is one at every scale.
INSERT INTO menuca_v3.users (id, email, password_hash, first_name, last_name, phone, language, origin_restaurant_id,
                             auth_user_id, newsletter_subscribed, email_verified_at, login_count, last_login_at,
                             legacy_v1_id, legacy_v2_id, created_at)
SELECT u.id,
       -- some V1 addresses kept their capitals; unique case-insensitively (idx_users_email_lower)
       CASE WHEN pg_temp.h('user-email-case', u.id) < 0.05 THEN initcap(names.first) ELSE lower(names.first) END
           || '.' || lower(names.last) || u.id::text || '@'
           || pg_temp.pick('user-domain', u.id, ARRAY['gmail.com', 'hotmail.com', 'yahoo.ca', 'outlook.com',
                  'rogers.com', 'sympatico.ca', 'videotron.ca', 'bell.net']),
       '$2y$10$' || md5('user' || u.id::text),
       names.first,
       names.last,
       CASE WHEN pg_temp.h('user-phone', u.id) < 0.8 THEN '613' || lpad(pg_temp.hi('user-phone-n', u.id, 10000000)::text, 7, '0') END,
       CASE WHEN pg_temp.h('user-language', u.id) < 0.15 THEN 'fr' ELSE 'en' END,
       CASE WHEN pg_temp.h('user-origin', u.id) < 0.75
            THEN (SELECT id FROM v1r WHERE idx = pg_temp.hi('user-origin-restaurant', u.id, (SELECT count(*) FROM v1r))) END,
       CASE WHEN u.id = 1 OR pg_temp.h('user-auth', u.id) < 0.10 THEN pg_temp.uid('auth-user', u.id) END,
       pg_temp.h('user-newsletter', u.id) < 0.3,
       CASE WHEN pg_temp.h('user-verified', u.id) < 0.6 THEN created.at + interval '1 hour' END,
       pg_temp.hi('user-logins', u.id, 200)::integer,
       CASE WHEN pg_temp.h('user-last-login', u.id) < 0.7 THEN created.at + interval '200 days' END,
       CASE WHEN pg_temp.h('user-v1', u.id) < 0.7 THEN (100000 + u.id)::integer END,
       CASE WHEN pg_temp.h('user-v2', u.id) < 0.5 THEN (200000 + u.id)::integer END,
       created.at
  FROM generate_series(1, pg_temp.n(32349)) AS u(id)
 CROSS JOIN LATERAL (
        SELECT pg_temp.pick('user-first', u.id, ARRAY['Ahmed', 'Maria', 'John', 'Wei', 'Fatima', 'Luc', 'Sarah',
                   'Mohamed', 'Anh', 'Priya', 'Giuseppe', 'Nadia', 'Kevin', 'Sophie', 'Ali', 'Mei', 'Jean', 'Olga',
                   'Ravi', 'Emma', 'Liam', 'Noah', 'Olivia', 'Chloe', 'Omar', 'Yasmin', 'Daniel', 'Julie']) AS first,
               pg_temp.pick('user-last', u.id, ARRAY['Haddad', 'Nguyen', 'Smith', 'Tremblay', 'Singh', 'Rossi',
                   'Chen', 'Khan', 'Gagnon', 'Wong', 'Roy', 'Patel', 'Kim', 'Martin', 'Ibrahim', 'Lee', 'Cote',
                   'Brown', 'Ali', 'Li', 'Bouchard', 'Wilson', 'Taylor', 'Lavoie']) AS last
       ) AS names
 CROSS JOIN LATERAL (SELECT pg_temp.ts('user-created', u.id, date '2010-01-01', date '2025-06-30') AS at) AS created;

-- Platform admins. The last one repeats the first one's email: V1 and V2 accounts of one person
-- were both migrated, which is why admin_users.email is not unique.
INSERT INTO menuca_v3.admin_users (id, email, first_name, last_name, password_hash, permissions, is_active,
                                   last_login_at, legacy_v1_id, legacy_v2_id, created_at)
SELECT a.id,
       CASE WHEN a.id = n.n AND n.n > 1 THEN 'admin1@menu.ca' ELSE 'admin' || a.id::text || '@menu.ca' END,
       pg_temp.pick('admin-first', a.id, ARRAY['James', 'Linh', 'Sam', 'Chris', 'Alex', 'Pat']),
       pg_temp.pick('admin-last', a.id, ARRAY['Menu', 'Operations', 'Support', 'Sales', 'Admin']),
       '$2y$10$' || md5('admin' || a.id::text),
       jsonb_build_object('restaurants', CASE WHEN a.id <= 3 THEN 'all' ELSE 'assigned' END,
                          'can_edit_menu', true, 'can_manage_users', a.id <= 3),
       pg_temp.h('admin-active', a.id) < 0.8,
       pg_temp.ts('admin-login', a.id, date '2024-01-01', date '2025-09-30'),
       CASE WHEN a.id % 2 = 1 THEN (100 + a.id)::integer END,
       CASE WHEN a.id % 2 = 0 OR a.id = n.n THEN (200 + a.id)::integer END,
       pg_temp.ts('admin-created', a.id, date '2012-01-01', date '2022-12-31')
  FROM (SELECT pg_temp.n(51) AS n) AS n
 CROSS JOIN LATERAL generate_series(1, n.n) AS a(id);

INSERT INTO menuca_v3.admin_user_restaurants (id, admin_user_id, restaurant_id, role, created_at)
SELECT k.k + 1,
       1 + k.k % a.n,
       r.id,
       (ARRAY['owner', 'manager', 'staff'])[1 + pg_temp.hi('aur-role', k.k, 3)],
       pg_temp.ts('aur-created', k.k, date '2014-01-01', date '2024-12-31')
  FROM generate_series(0, pg_temp.n(91) - 1) AS k(k)
 CROSS JOIN (SELECT pg_temp.n(51) AS n) AS a
  JOIN rorder r ON r.live_idx = ((k.k % a.n) * 7 + k.k / a.n) % (SELECT n_rest FROM cfg);

-- ---------------------------------------------------------------------------------------------
-- Sequences follow the explicit ids, so that later inserts (the runbook's backfill, the app) get
-- fresh ids.
-- ---------------------------------------------------------------------------------------------

DO $sequences$
DECLARE
    t record;
    max_id bigint;
BEGIN
    FOR t IN
        SELECT c.relname, pg_get_serial_sequence(format('menuca_v3.%I', c.relname), 'id') AS seq
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'menuca_v3' AND c.relkind = 'r'
    LOOP
        EXECUTE format('SELECT max(id) FROM menuca_v3.%I', t.relname) INTO max_id;
        PERFORM setval(t.seq, coalesce(max_id, 1), max_id IS NOT NULL);
    END LOOP;
END
$sequences$;
