-- Both orphan rates for a health sample, in one pass of hash joins (the same definitions as
-- sql/common/orphan_rates.sql, which tickets 04, 05, 09 and 10 use: groups, never joined rows). The
-- sample runs without parallel workers (sql/health/limits.sql): a parallel plan of this query built
-- both hash tables once per worker, three times the work for the same answer.
SELECT count(*) AS groups,
       count(*) FILTER (WHERE i.id IS NULL) AS orphaned,
       count(*) FILTER (WHERE s.legacy_v1_id IS NOT NULL) AS source_groups,
       count(*) FILTER (WHERE s.legacy_v1_id IS NOT NULL AND i.id IS NULL) AS source_orphaned
FROM menuca_v3.combo_groups AS g
LEFT JOIN (SELECT DISTINCT ci.combo_group_id AS id FROM menuca_v3.combo_items AS ci) AS i
       ON i.id = g.id
LEFT JOIN (
    SELECT DISTINCT s."group"::int AS legacy_v1_id
    FROM staging.menuca_v1_combos AS s
    WHERE s."group" ~ '^[0-9]+$'
) AS s ON s.legacy_v1_id = g.legacy_v1_id
