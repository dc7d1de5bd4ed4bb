-- Mapping coverage of the source junction (rows and distinct dishes), split by cause.
SELECT count(*) AS source_rows,
       count(*) FILTER (WHERE status = 'mapped') AS mapped_rows,
       count(*) FILTER (WHERE status = 'backfillable') AS backfillable_rows,
       count(*) FILTER (WHERE status = 'group_missing') AS group_missing_rows,
       count(*) FILTER (WHERE status = 'dish_missing') AS dish_missing_rows,
       count(*) FILTER (WHERE status = 'dish_ambiguous') AS dish_ambiguous_rows,
       count(DISTINCT (restaurant_id, src_dish)) FILTER (WHERE status = 'backfillable') AS backfillable_dishes,
       count(DISTINCT src_dish) FILTER (WHERE status = 'dish_ambiguous') AS ambiguous_dishes,
       count(DISTINCT src_dish) FILTER (WHERE status = 'dish_missing') AS nowhere_dishes,
       count(*) FILTER (WHERE status = 'mapped' AND EXISTS (
           SELECT 1 FROM menuca_v3.combo_items ci
           WHERE ci.combo_group_id = combo_source_map.group_id AND ci.dish_id = combo_source_map.dish_id))
           AS already_present_rows
FROM combo_source_map
