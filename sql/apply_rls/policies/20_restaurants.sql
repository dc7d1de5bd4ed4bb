-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
-- (squawk sees this file alone; apply_rls runs it inside its single transaction, after
-- SET LOCAL lock_timeout / statement_timeout and LOCK TABLE of every table: tools/apply_rls.py.)
-- Restaurants and their management tables, and devices (MENUCA_FACTS.md "Row Level Security model"):
-- the tenant (app_metadata.restaurant_id) reads and writes its own rows, a platform admin everything.
-- Public reads only where the data is public:
--   restaurants: an active restaurant's row (its public menu is readable, so is its name);
--   restaurant_schedules: enabled opening hours; restaurant_special_schedules: active holiday hours.
-- Contacts, staff logins, locations, domains, configuration, id mapping and devices stay private.
-- A tenant may update its restaurant row but not create or delete restaurants, and may read but not
-- rewrite the legacy id mapping (both are platform operations).
-- Same transaction, naming and one-permissive-policy rules as 10_menu.sql.

-- restaurants ------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurants ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurants_anon_read ON menuca_v3.restaurants
    AS PERMISSIVE FOR SELECT TO anon
    USING (status = 'active');

CREATE POLICY menuca_rls_restaurants_read ON menuca_v3.restaurants
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        status = 'active'
        OR id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurants_insert ON menuca_v3.restaurants
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_restaurants_update ON menuca_v3.restaurants
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurants_delete ON menuca_v3.restaurants
    AS PERMISSIVE FOR DELETE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()));

-- restaurant_locations ---------------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_locations ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_locations_all ON menuca_v3.restaurant_locations
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_contacts ----------------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_contacts ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_contacts_all ON menuca_v3.restaurant_contacts
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_admin_users (a restaurant's staff logins) -------------------------------------------
ALTER TABLE menuca_v3.restaurant_admin_users ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_admin_users_all ON menuca_v3.restaurant_admin_users
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_schedules ---------------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_schedules ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_schedules_anon_read ON menuca_v3.restaurant_schedules
    AS PERMISSIVE FOR SELECT TO anon
    USING (is_enabled);

CREATE POLICY menuca_rls_restaurant_schedules_read ON menuca_v3.restaurant_schedules
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        is_enabled
        OR restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_schedules_insert ON menuca_v3.restaurant_schedules
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_schedules_update ON menuca_v3.restaurant_schedules
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_schedules_delete ON menuca_v3.restaurant_schedules
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_special_schedules -------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_special_schedules ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_special_schedules_anon_read ON menuca_v3.restaurant_special_schedules
    AS PERMISSIVE FOR SELECT TO anon
    USING (is_active);

CREATE POLICY menuca_rls_restaurant_special_schedules_read ON menuca_v3.restaurant_special_schedules
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        is_active
        OR restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_special_schedules_insert ON menuca_v3.restaurant_special_schedules
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_special_schedules_update ON menuca_v3.restaurant_special_schedules
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_special_schedules_delete ON menuca_v3.restaurant_special_schedules
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_service_configs ---------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_service_configs ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_service_configs_all ON menuca_v3.restaurant_service_configs
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_time_periods ------------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_time_periods ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_time_periods_all ON menuca_v3.restaurant_time_periods
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_domains -----------------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_domains ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_domains_all ON menuca_v3.restaurant_domains
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_id_mapping (legacy ids; its tenant column is new_restaurant_id) ---------------------
ALTER TABLE menuca_v3.restaurant_id_mapping ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_id_mapping_read ON menuca_v3.restaurant_id_mapping
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        new_restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_id_mapping_insert ON menuca_v3.restaurant_id_mapping
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_restaurant_id_mapping_update ON menuca_v3.restaurant_id_mapping
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_restaurant_id_mapping_delete ON menuca_v3.restaurant_id_mapping
    AS PERMISSIVE FOR DELETE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()));

-- devices ----------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.devices ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_devices_all ON menuca_v3.devices
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );
