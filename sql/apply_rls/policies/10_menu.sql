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
-- One permissive policy per table, role and command (Supabase's advisor, lint 0006: every permissive
-- policy that applies is evaluated for every row): the conditions that grant a command to a role
-- are OR-ed inside that command's one policy, in the order most rows pass them: the public
-- condition, the tenant's, the admin's. OR stops at the first true branch, and the tenant id and the
-- admin flag are InitPlans, computed once per query and only when first needed, so a read of public
-- rows calls no helper at all. (A public condition that is a parent look-up, one index probe per
-- row, comes after the tenant's own column.)
--   <table>_anon_read    SELECT TO anon           the public condition;
--   <table>_read         SELECT TO authenticated  the public condition OR tenant OR admin;
--   <table>_insert, _update, _delete              tenant OR admin;
--   <table>_all          ALL TO authenticated     where every command has the same condition;
--   <table>_public_read  SELECT TO anon, authenticated, where the public may read every row.
-- What each role may do per command is exactly the OR of the separate policies this replaces (so
-- the RLS test matrix proves the same isolation); a FOR ALL policy counts for all four commands.
-- Two parent look-ups of one row (its parent is active, or is the tenant's) are one EXISTS with the
-- OR inside: the same rows, one index probe.
--
-- Run by apply_rls inside its single transaction, after every table is locked; ENABLE and the
-- policies of a table commit together, so no table is ever RLS-enabled without its policies.
-- Every policy is named menuca_rls_<table>_<purpose>: apply_rls owns exactly the policies with that
-- prefix and never touches any other.

-- courses ----------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.courses ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_courses_anon_read ON menuca_v3.courses
    AS PERMISSIVE FOR SELECT TO anon
    USING (is_active);

CREATE POLICY menuca_rls_courses_read ON menuca_v3.courses
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        is_active
        OR restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_courses_insert ON menuca_v3.courses
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_courses_update ON menuca_v3.courses
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_courses_delete ON menuca_v3.courses
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- dishes -----------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.dishes ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_dishes_anon_read ON menuca_v3.dishes
    AS PERMISSIVE FOR SELECT TO anon
    USING (is_active);

CREATE POLICY menuca_rls_dishes_read ON menuca_v3.dishes
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        is_active
        OR restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_dishes_insert ON menuca_v3.dishes
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_dishes_update ON menuca_v3.dishes
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_dishes_delete ON menuca_v3.dishes
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- ingredients ------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.ingredients ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_ingredients_anon_read ON menuca_v3.ingredients
    AS PERMISSIVE FOR SELECT TO anon
    USING (is_active);

CREATE POLICY menuca_rls_ingredients_read ON menuca_v3.ingredients
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        is_active
        OR restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_ingredients_insert ON menuca_v3.ingredients
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_ingredients_update ON menuca_v3.ingredients
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_ingredients_delete ON menuca_v3.ingredients
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- ingredient_groups ------------------------------------------------------------------------------
ALTER TABLE menuca_v3.ingredient_groups ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_ingredient_groups_anon_read ON menuca_v3.ingredient_groups
    AS PERMISSIVE FOR SELECT TO anon
    USING (is_active);

CREATE POLICY menuca_rls_ingredient_groups_read ON menuca_v3.ingredient_groups
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        is_active
        OR restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_ingredient_groups_insert ON menuca_v3.ingredient_groups
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_ingredient_groups_update ON menuca_v3.ingredient_groups
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_ingredient_groups_delete ON menuca_v3.ingredient_groups
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- combo_groups -----------------------------------------------------------------------------------
ALTER TABLE menuca_v3.combo_groups ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_combo_groups_anon_read ON menuca_v3.combo_groups
    AS PERMISSIVE FOR SELECT TO anon
    USING (is_active);

CREATE POLICY menuca_rls_combo_groups_read ON menuca_v3.combo_groups
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        is_active
        OR restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_groups_insert ON menuca_v3.combo_groups
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_groups_update ON menuca_v3.combo_groups
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_groups_delete ON menuca_v3.combo_groups
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- dish_modifiers: its own restaurant_id; the public sees a modifier of an active dish ------------
ALTER TABLE menuca_v3.dish_modifiers ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_dish_modifiers_anon_read ON menuca_v3.dish_modifiers
    AS PERMISSIVE FOR SELECT TO anon
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.dishes AS d
            WHERE d.id = dish_modifiers.dish_id
              AND d.is_active
        )
    );

CREATE POLICY menuca_rls_dish_modifiers_read ON menuca_v3.dish_modifiers
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR EXISTS (
            SELECT 1
            FROM menuca_v3.dishes AS d
            WHERE d.id = dish_modifiers.dish_id
              AND d.is_active
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_dish_modifiers_insert ON menuca_v3.dish_modifiers
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_dish_modifiers_update ON menuca_v3.dish_modifiers
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_dish_modifiers_delete ON menuca_v3.dish_modifiers
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- dish_customizations -> dishes ------------------------------------------------------------------
ALTER TABLE menuca_v3.dish_customizations ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_dish_customizations_anon_read ON menuca_v3.dish_customizations
    AS PERMISSIVE FOR SELECT TO anon
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.dishes AS d
            WHERE d.id = dish_customizations.dish_id
              AND d.is_active
        )
    );

CREATE POLICY menuca_rls_dish_customizations_read ON menuca_v3.dish_customizations
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.dishes AS d
            WHERE d.id = dish_customizations.dish_id
              AND (d.is_active OR d.restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_dish_customizations_insert ON menuca_v3.dish_customizations
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        EXISTS (
            SELECT 1
            FROM menuca_v3.dishes AS d
            WHERE d.id = dish_customizations.dish_id
              AND d.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_dish_customizations_update ON menuca_v3.dish_customizations
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.dishes AS d
            WHERE d.id = dish_customizations.dish_id
              AND d.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        EXISTS (
            SELECT 1
            FROM menuca_v3.dishes AS d
            WHERE d.id = dish_customizations.dish_id
              AND d.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_dish_customizations_delete ON menuca_v3.dish_customizations
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.dishes AS d
            WHERE d.id = dish_customizations.dish_id
              AND d.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- ingredient_group_items -> ingredient_groups ----------------------------------------------------
ALTER TABLE menuca_v3.ingredient_group_items ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_ingredient_group_items_anon_read ON menuca_v3.ingredient_group_items
    AS PERMISSIVE FOR SELECT TO anon
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.ingredient_groups AS g
            WHERE g.id = ingredient_group_items.ingredient_group_id
              AND g.is_active
        )
    );

CREATE POLICY menuca_rls_ingredient_group_items_read ON menuca_v3.ingredient_group_items
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.ingredient_groups AS g
            WHERE g.id = ingredient_group_items.ingredient_group_id
              AND (g.is_active OR g.restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_ingredient_group_items_insert ON menuca_v3.ingredient_group_items
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        EXISTS (
            SELECT 1
            FROM menuca_v3.ingredient_groups AS g
            WHERE g.id = ingredient_group_items.ingredient_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_ingredient_group_items_update ON menuca_v3.ingredient_group_items
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.ingredient_groups AS g
            WHERE g.id = ingredient_group_items.ingredient_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        EXISTS (
            SELECT 1
            FROM menuca_v3.ingredient_groups AS g
            WHERE g.id = ingredient_group_items.ingredient_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_ingredient_group_items_delete ON menuca_v3.ingredient_group_items
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.ingredient_groups AS g
            WHERE g.id = ingredient_group_items.ingredient_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- combo_items -> combo_groups --------------------------------------------------------------------
ALTER TABLE menuca_v3.combo_items ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_combo_items_anon_read ON menuca_v3.combo_items
    AS PERMISSIVE FOR SELECT TO anon
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_items.combo_group_id
              AND g.is_active
        )
    );

CREATE POLICY menuca_rls_combo_items_read ON menuca_v3.combo_items
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_items.combo_group_id
              AND (g.is_active OR g.restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_items_insert ON menuca_v3.combo_items
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_items.combo_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_items_update ON menuca_v3.combo_items
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_items.combo_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_items.combo_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_items_delete ON menuca_v3.combo_items
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_items.combo_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- combo_group_modifier_pricing -> combo_groups ---------------------------------------------------
ALTER TABLE menuca_v3.combo_group_modifier_pricing ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_combo_group_modifier_pricing_anon_read ON menuca_v3.combo_group_modifier_pricing
    AS PERMISSIVE FOR SELECT TO anon
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_group_modifier_pricing.combo_group_id
              AND g.is_active
        )
    );

CREATE POLICY menuca_rls_combo_group_modifier_pricing_read ON menuca_v3.combo_group_modifier_pricing
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_group_modifier_pricing.combo_group_id
              AND (g.is_active OR g.restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_group_modifier_pricing_insert ON menuca_v3.combo_group_modifier_pricing
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_group_modifier_pricing.combo_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_group_modifier_pricing_update ON menuca_v3.combo_group_modifier_pricing
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_group_modifier_pricing.combo_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_group_modifier_pricing.combo_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_group_modifier_pricing_delete ON menuca_v3.combo_group_modifier_pricing
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_groups AS g
            WHERE g.id = combo_group_modifier_pricing.combo_group_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- combo_steps -> combo_items -> combo_groups -----------------------------------------------------
ALTER TABLE menuca_v3.combo_steps ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_combo_steps_anon_read ON menuca_v3.combo_steps
    AS PERMISSIVE FOR SELECT TO anon
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_items AS i
            JOIN menuca_v3.combo_groups AS g ON g.id = i.combo_group_id
            WHERE i.id = combo_steps.combo_item_id
              AND g.is_active
        )
    );

CREATE POLICY menuca_rls_combo_steps_read ON menuca_v3.combo_steps
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_items AS i
            JOIN menuca_v3.combo_groups AS g ON g.id = i.combo_group_id
            WHERE i.id = combo_steps.combo_item_id
              AND (g.is_active OR g.restaurant_id = (SELECT menuca_v3.current_restaurant_id()))
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_steps_insert ON menuca_v3.combo_steps
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_items AS i
            JOIN menuca_v3.combo_groups AS g ON g.id = i.combo_group_id
            WHERE i.id = combo_steps.combo_item_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_steps_update ON menuca_v3.combo_steps
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_items AS i
            JOIN menuca_v3.combo_groups AS g ON g.id = i.combo_group_id
            WHERE i.id = combo_steps.combo_item_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_items AS i
            JOIN menuca_v3.combo_groups AS g ON g.id = i.combo_group_id
            WHERE i.id = combo_steps.combo_item_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_combo_steps_delete ON menuca_v3.combo_steps
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.combo_items AS i
            JOIN menuca_v3.combo_groups AS g ON g.id = i.combo_group_id
            WHERE i.id = combo_steps.combo_item_id
              AND g.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );
