-- Backfill the referenced dishes that exist only in the V1 staging menu: as INACTIVE dishes of the
-- group's restaurant (they were hidden toppings, blank-named and combo-only items, never on the
-- public menu), source_system 'v1', legacy_v1_id set. Ambiguous ids are never guessed. Every new row
-- is recorded in the batch, in the same statement.
WITH todo AS (
    SELECT DISTINCT ON (m.restaurant_id, m.src_dish)
           m.restaurant_id,
           m.src_dish::int AS legacy_id,
           mf.name,
           CASE WHEN mf.id ~ '^[0-9]{1,18}$' THEN mf.id::bigint END AS source_id
    FROM combo_source_map m
    JOIN staging.menuca_v1_menu_full mf ON mf.id = m.src_dish
    WHERE m.status = 'backfillable'
    ORDER BY m.restaurant_id, m.src_dish, mf.source_type
), inserted AS (
    INSERT INTO menuca_v3.dishes (restaurant_id, name, is_active, source_system, legacy_v1_id, source_id)
    SELECT restaurant_id,
           left(coalesce(nullif(btrim(name), ''), 'V1 item ' || legacy_id), 500),
           false,
           'v1',
           legacy_id,
           source_id
    FROM todo
    RETURNING id, restaurant_id, legacy_v1_id
)
INSERT INTO menuca_migrate.combo_batch_rows (batch_id, table_name, row_id, identity)
SELECT %(batch_id)s, 'dishes', id,
       jsonb_build_object('restaurant_id', restaurant_id, 'legacy_v1_id', legacy_v1_id)
FROM inserted
