-- Both orphan rates for a health sample, in one pass of hash joins (the same definitions as
-- sql/common/orphan_rates.sql, which tickets 04, 05, 09 and 10 use: groups, never joined rows).
WITH with_items AS MATERIALIZED (
    SELECT DISTINCT combo_group_id AS id FROM menuca_v3.combo_items WHERE combo_group_id IS NOT NULL
), in_source AS MATERIALIZED (
    SELECT DISTINCT s."group"::int AS legacy_v1_id
    FROM staging.menuca_v1_combos AS s
    WHERE s."group" ~ '^[0-9]+$'
), groups AS (
    SELECT i.id IS NOT NULL AS has_items, s.legacy_v1_id IS NOT NULL AS in_source
    FROM menuca_v3.combo_groups AS g
    LEFT JOIN with_items AS i ON i.id = g.id
    LEFT JOIN in_source AS s ON s.legacy_v1_id = g.legacy_v1_id
)
SELECT count(*) AS groups,
       count(*) FILTER (WHERE NOT has_items) AS orphaned,
       count(*) FILTER (WHERE in_source) AS source_groups,
       count(*) FILTER (WHERE in_source AND NOT has_items) AS source_orphaned
FROM groups
