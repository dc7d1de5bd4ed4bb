-- How each row of the V1 source junction maps to V3, as a temporary view of this session:
--   group: combo_groups.legacy_v1_id = "group"; dish: a dish of THAT group's restaurant with
--   legacy_v1_id = dish; a dish absent from V3 is 'backfillable' when the staging menu table has it
--   as exactly one kind of row (menu or ingredient), 'dish_ambiguous' when it has it as both (menu
--   ids and ingredient ids share one id space there: it is never guessed), 'dish_missing' when it
--   exists nowhere.
-- Runs inside the repair's transaction, after lock.sql; the same limits, for a reader of this file.
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '10min';
CREATE TEMP VIEW combo_source_map AS
WITH src AS (
    SELECT s.id AS source_row,
           s.dish AS src_dish,
           CASE WHEN s."order" ~ '^-?[0-9]{1,9}$' THEN s."order"::int ELSE 0 END AS display_order,
           g.id AS group_id,
           g.restaurant_id
    FROM staging.menuca_v1_combos s
    LEFT JOIN menuca_v3.combo_groups g
           ON s."group" ~ '^[0-9]{1,9}$' AND g.legacy_v1_id = s."group"::int
), v3 AS (
    SELECT src.source_row, count(d.id) AS matches, min(d.id) AS dish_id
    FROM src
    JOIN menuca_v3.dishes d
      ON src.src_dish ~ '^[0-9]{1,9}$'
     AND d.legacy_v1_id = src.src_dish::int
     AND d.restaurant_id = src.restaurant_id
    GROUP BY src.source_row
), menu AS (
    SELECT id,
           bool_or(source_type = 'menu') AS as_menu,
           bool_or(source_type = 'ingredient') AS as_ingredient
    FROM staging.menuca_v1_menu_full
    GROUP BY id
)
SELECT src.source_row,
       src.src_dish,
       src.display_order,
       src.group_id,
       src.restaurant_id,
       v3.dish_id,
       CASE
           WHEN src.group_id IS NULL THEN 'group_missing'
           WHEN v3.matches = 1 THEN 'mapped'
           WHEN v3.matches > 1 THEN 'dish_ambiguous'
           WHEN menu.id IS NULL THEN 'dish_missing'
           WHEN menu.as_menu AND menu.as_ingredient THEN 'dish_ambiguous'
           ELSE 'backfillable'
       END AS status
FROM src
LEFT JOIN v3 USING (source_row)
LEFT JOIN menu ON menu.id = src.src_dish;
