-- Insert the missing combo items: one per (group, dish) pair, never a pair that already exists (so a
-- second run inserts nothing), quantity 1, display order and source row from the V1 junction. Every
-- new row is recorded in the batch, in the same statement.
WITH todo AS (
    SELECT DISTINCT ON (m.group_id, m.dish_id)
           m.group_id, m.dish_id, m.display_order,
           CASE WHEN m.source_row ~ '^[0-9]{1,18}$' THEN m.source_row::bigint END AS source_id
    FROM combo_source_map m
    WHERE m.status = 'mapped'
      AND NOT EXISTS (
          SELECT 1 FROM menuca_v3.combo_items ci
          WHERE ci.combo_group_id = m.group_id AND ci.dish_id = m.dish_id)
    ORDER BY m.group_id, m.dish_id, m.source_row
), inserted AS (
    INSERT INTO menuca_v3.combo_items (combo_group_id, dish_id, quantity, display_order, source_system, source_id)
    SELECT group_id, dish_id, 1, display_order, 'v1', source_id FROM todo
    RETURNING id, combo_group_id, dish_id
)
INSERT INTO menuca_migrate.combo_batch_rows (batch_id, table_name, row_id, identity)
SELECT %(batch_id)s, 'combo_items', id,
       jsonb_build_object('combo_group_id', combo_group_id, 'dish_id', dish_id)
FROM inserted
