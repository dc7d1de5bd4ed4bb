-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
-- (squawk sees this file alone; apply_rls runs it inside its single transaction, after
-- SET LOCAL lock_timeout / statement_timeout and LOCK TABLE of every table: tools/apply_rls.py.)
-- Menu and catalog (MENUCA_FACTS.md "Row Level Security model"):
--   public (anon, authenticated): SELECT of active rows;
--   tenant (app_metadata.restaurant_id): every row of its own restaurant, inactive ones included,
--     read and write; WITH CHECK keeps every written row inside the tenant (no moving rows out);
--   platform admin: everything.
-- Child tables without restaurant_id follow their parent's restaurant and activity:
--   dish_modifiers (public through its dish), dish_customizations -> dishes,
--   ingredient_group_items -> ingredient_groups, combo_items and combo_group_modifier_pricing ->
--   combo_groups, combo_steps -> combo_items -> combo_groups.
-- Parent look-ups are EXISTS sub-queries; they run under the parent's own policies, which only ever
-- widen what the parent's tenant or admin can see, never what others can write.
--
-- Run by apply_rls inside its single transaction, after every table is locked; ENABLE and the
-- policies of a table commit together, so no table is ever RLS-enabled without its policies.
-- Every policy is named menuca_rls_<table>_<purpose>: apply_rls owns exactly the policies with that
-- prefix and never touches any other.

-- courses ----------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.courses ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_courses_public_read ON menuca_v3.courses
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (is_active);

CREATE POLICY menuca_rls_courses_tenant_all ON menuca_v3.courses
    AS PERMISSIVE FOR ALL TO authenticated
    USING (restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
    WITH CHECK (restaurant_id = (SELECT menuca_v3.current_restaurant_id()));

CREATE POLICY menuca_rls_courses_admin_all ON menuca_v3.courses
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- dishes -----------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.dishes ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_dishes_public_read ON menuca_v3.dishes
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (is_active);

CREATE POLICY menuca_rls_dishes_tenant_all ON menuca_v3.dishes
    AS PERMISSIVE FOR ALL TO authenticated
    USING (restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
    WITH CHECK (restaurant_id = (SELECT menuca_v3.current_restaurant_id()));

CREATE POLICY menuca_rls_dishes_admin_all ON menuca_v3.dishes
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- ingredients ------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.ingredients ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_ingredients_public_read ON menuca_v3.ingredients
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (is_active);

CREATE POLICY menuca_rls_ingredients_tenant_all ON menuca_v3.ingredients
    AS PERMISSIVE FOR ALL TO authenticated
    USING (restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
    WITH CHECK (restaurant_id = (SELECT menuca_v3.current_restaurant_id()));

CREATE POLICY menuca_rls_ingredients_admin_all ON menuca_v3.ingredients
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- ingredient_groups ------------------------------------------------------------------------------
ALTER TABLE menuca_v3.ingredient_groups ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_ingredient_groups_public_read ON menuca_v3.ingredient_groups
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (is_active);

CREATE POLICY menuca_rls_ingredient_groups_tenant_all ON menuca_v3.ingredient_groups
    AS PERMISSIVE FOR ALL TO authenticated
    USING (restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
    WITH CHECK (restaurant_id = (SELECT menuca_v3.current_restaurant_id()));

CREATE POLICY menuca_rls_ingredient_groups_admin_all ON menuca_v3.ingredient_groups
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- combo_groups -----------------------------------------------------------------------------------
ALTER TABLE menuca_v3.combo_groups ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_combo_groups_public_read ON menuca_v3.combo_groups
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (is_active);

CREATE POLICY menuca_rls_combo_groups_tenant_all ON menuca_v3.combo_groups
    AS PERMISSIVE FOR ALL TO authenticated
    USING (restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
    WITH CHECK (restaurant_id = (SELECT menuca_v3.current_restaurant_id()));

CREATE POLICY menuca_rls_combo_groups_admin_all ON menuca_v3.combo_groups
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- dish_modifiers: has its own restaurant_id; no is_active, so the public sees a modifier when its
-- dish is active ------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.dish_modifiers ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_dish_modifiers_public_read ON menuca_v3.dish_modifiers
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (EXISTS (
        SELECT 1 FROM menuca_v3.dishes AS d
        WHERE d.id = dish_modifiers.dish_id AND d.is_active
    ));

CREATE POLICY menuca_rls_dish_modifiers_tenant_all ON menuca_v3.dish_modifiers
    AS PERMISSIVE FOR ALL TO authenticated
    USING (restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
    WITH CHECK (restaurant_id = (SELECT menuca_v3.current_restaurant_id()));

CREATE POLICY menuca_rls_dish_modifiers_admin_all ON menuca_v3.dish_modifiers
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- dish_customizations -> dishes ------------------------------------------------------------------
ALTER TABLE menuca_v3.dish_customizations ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_dish_customizations_public_read ON menuca_v3.dish_customizations
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (EXISTS (
        SELECT 1 FROM menuca_v3.dishes AS d
        WHERE d.id = dish_customizations.dish_id AND d.is_active
    ));

CREATE POLICY menuca_rls_dish_customizations_tenant_all ON menuca_v3.dish_customizations
    AS PERMISSIVE FOR ALL TO authenticated
    USING (EXISTS (
        SELECT 1 FROM menuca_v3.dishes AS d
        WHERE d.id = dish_customizations.dish_id
          AND d.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM menuca_v3.dishes AS d
        WHERE d.id = dish_customizations.dish_id
          AND d.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
    ));

CREATE POLICY menuca_rls_dish_customizations_admin_all ON menuca_v3.dish_customizations
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- ingredient_group_items -> ingredient_groups ----------------------------------------------------
ALTER TABLE menuca_v3.ingredient_group_items ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_ingredient_group_items_public_read ON menuca_v3.ingredient_group_items
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (EXISTS (
        SELECT 1 FROM menuca_v3.ingredient_groups AS g
        WHERE g.id = ingredient_group_items.ingredient_group_id AND g.is_active
    ));

CREATE POLICY menuca_rls_ingredient_group_items_tenant_all ON menuca_v3.ingredient_group_items
    AS PERMISSIVE FOR ALL TO authenticated
    USING (EXISTS (
        SELECT 1 FROM menuca_v3.ingredient_groups AS g
        WHERE g.id = ingredient_group_items.ingredient_group_id
          AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM menuca_v3.ingredient_groups AS g
        WHERE g.id = ingredient_group_items.ingredient_group_id
          AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
    ));

CREATE POLICY menuca_rls_ingredient_group_items_admin_all ON menuca_v3.ingredient_group_items
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- combo_items -> combo_groups --------------------------------------------------------------------
ALTER TABLE menuca_v3.combo_items ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_combo_items_public_read ON menuca_v3.combo_items
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (EXISTS (
        SELECT 1 FROM menuca_v3.combo_groups AS g
        WHERE g.id = combo_items.combo_group_id AND g.is_active
    ));

CREATE POLICY menuca_rls_combo_items_tenant_all ON menuca_v3.combo_items
    AS PERMISSIVE FOR ALL TO authenticated
    USING (EXISTS (
        SELECT 1 FROM menuca_v3.combo_groups AS g
        WHERE g.id = combo_items.combo_group_id
          AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM menuca_v3.combo_groups AS g
        WHERE g.id = combo_items.combo_group_id
          AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
    ));

CREATE POLICY menuca_rls_combo_items_admin_all ON menuca_v3.combo_items
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- combo_group_modifier_pricing -> combo_groups ---------------------------------------------------
ALTER TABLE menuca_v3.combo_group_modifier_pricing ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_combo_group_modifier_pricing_public_read ON menuca_v3.combo_group_modifier_pricing
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (EXISTS (
        SELECT 1 FROM menuca_v3.combo_groups AS g
        WHERE g.id = combo_group_modifier_pricing.combo_group_id AND g.is_active
    ));

CREATE POLICY menuca_rls_combo_group_modifier_pricing_tenant_all ON menuca_v3.combo_group_modifier_pricing
    AS PERMISSIVE FOR ALL TO authenticated
    USING (EXISTS (
        SELECT 1 FROM menuca_v3.combo_groups AS g
        WHERE g.id = combo_group_modifier_pricing.combo_group_id
          AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
    ))
    WITH CHECK (EXISTS (
        SELECT 1 FROM menuca_v3.combo_groups AS g
        WHERE g.id = combo_group_modifier_pricing.combo_group_id
          AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
    ));

CREATE POLICY menuca_rls_combo_group_modifier_pricing_admin_all ON menuca_v3.combo_group_modifier_pricing
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- combo_steps -> combo_items -> combo_groups -----------------------------------------------------
ALTER TABLE menuca_v3.combo_steps ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_combo_steps_public_read ON menuca_v3.combo_steps
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (EXISTS (
        SELECT 1
        FROM menuca_v3.combo_items AS i
        JOIN menuca_v3.combo_groups AS g ON g.id = i.combo_group_id
        WHERE i.id = combo_steps.combo_item_id AND g.is_active
    ));

CREATE POLICY menuca_rls_combo_steps_tenant_all ON menuca_v3.combo_steps
    AS PERMISSIVE FOR ALL TO authenticated
    USING (EXISTS (
        SELECT 1
        FROM menuca_v3.combo_items AS i
        JOIN menuca_v3.combo_groups AS g ON g.id = i.combo_group_id
        WHERE i.id = combo_steps.combo_item_id
          AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
    ))
    WITH CHECK (EXISTS (
        SELECT 1
        FROM menuca_v3.combo_items AS i
        JOIN menuca_v3.combo_groups AS g ON g.id = i.combo_group_id
        WHERE i.id = combo_steps.combo_item_id
          AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
    ));

CREATE POLICY menuca_rls_combo_steps_admin_all ON menuca_v3.combo_steps
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));
