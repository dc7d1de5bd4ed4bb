-- What an insert would do, without doing it: the new (group, dish) pairs and the groups that would
-- stop being orphaned. %(backfill)s counts the backfillable rows as mapped. NOT EXISTS, never NOT IN over
-- a subquery: when the hashed form does not fit work_mem, NOT IN is checked row by row (at scale 10,
-- 80,000 groups against 80,000: it ran for minutes).
WITH would_map AS (
    SELECT DISTINCT group_id, coalesce(dish_id::text, 'backfill:' || src_dish) AS dish_key
    FROM combo_source_map
    WHERE status = 'mapped' OR (%(backfill)s AND status = 'backfillable')
), new_pairs AS (
    SELECT w.* FROM would_map w
    WHERE NOT EXISTS (
        SELECT 1 FROM menuca_v3.combo_items ci
        WHERE ci.combo_group_id = w.group_id AND ci.dish_id::text = w.dish_key)
), groups_after AS (
    SELECT DISTINCT combo_group_id AS group_id FROM menuca_v3.combo_items
    UNION
    SELECT group_id FROM new_pairs
), source_groups AS (
    SELECT g.id FROM menuca_v3.combo_groups g
    WHERE g.legacy_v1_id IN (SELECT "group"::int FROM staging.menuca_v1_combos WHERE "group" ~ '^[0-9]{1,9}$')
)
SELECT (SELECT count(*) FROM new_pairs) AS items,
       (SELECT count(*) FROM menuca_v3.combo_groups g
        WHERE NOT EXISTS (SELECT 1 FROM groups_after a WHERE a.group_id = g.id))
           AS orphaned,
       (SELECT count(*) FROM menuca_v3.combo_groups) AS groups,
       (SELECT count(*) FROM source_groups s
        WHERE NOT EXISTS (SELECT 1 FROM groups_after a WHERE a.group_id = s.id))
           AS source_orphaned,
       (SELECT count(*) FROM source_groups) AS source_groups
