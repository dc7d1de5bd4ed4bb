-- Orphaned combo groups, counted as GROUPS (never joined rows: a one-to-many LEFT JOIN counted 61 %
-- where the truth was 16.43 % in the real run). A group is orphaned when no combo_items row points
-- at it. naive = orphaned / all groups; source_backed = orphaned / groups whose legacy_v1_id appears
-- in the V1 source junction (the groups that should have items).
WITH groups AS (
    SELECT g.id,
           EXISTS (SELECT 1 FROM menuca_v3.combo_items ci WHERE ci.combo_group_id = g.id) AS has_items,
           g.legacy_v1_id IS NOT NULL AND g.legacy_v1_id IN (
               SELECT s."group"::int FROM staging.menuca_v1_combos s WHERE s."group" ~ '^[0-9]+$'
           ) AS in_source
    FROM menuca_v3.combo_groups g
)
SELECT count(*) AS groups,
       count(*) FILTER (WHERE NOT has_items) AS orphaned,
       count(*) FILTER (WHERE in_source) AS source_groups,
       count(*) FILTER (WHERE in_source AND NOT has_items) AS source_orphaned,
       count(*) FILTER (WHERE NOT in_source AND NOT has_items) AS empty_shells,
       (SELECT count(*) FROM menuca_v3.combo_items) AS items
FROM groups
