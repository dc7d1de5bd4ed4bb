-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
-- (squawk sees this file alone; apply_rls runs it inside its single transaction, after
-- SET LOCAL lock_timeout / statement_timeout and LOCK TABLE of every table: tools/apply_rls.py.)
-- Marketing and reference data (MENUCA_FACTS.md "Row Level Security model"). Public reads:
--   promotional_deals: enabled deals within their dates; promotional_coupons: active, unused coupons;
--   marketing_tags and restaurant_tag_associations: all (tags are how the public browses);
--   provinces and cities: all.
-- The tenant writes its own deals, coupons and tag associations; only a platform admin writes tags,
-- provinces and cities. Where the public reads every row, one SELECT policy serves anon and
-- authenticated alike (whatever else would grant an authenticated read is already covered by it).
-- Same transaction, naming and one-permissive-policy rules as 10_menu.sql.

-- promotional_deals ------------------------------------------------------------------------------
ALTER TABLE menuca_v3.promotional_deals ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_promotional_deals_anon_read ON menuca_v3.promotional_deals
    AS PERMISSIVE FOR SELECT TO anon
    USING (
        is_enabled
        AND (date_start IS NULL OR date_start <= current_date)
        AND (date_stop IS NULL OR date_stop >= current_date)
    );

CREATE POLICY menuca_rls_promotional_deals_read ON menuca_v3.promotional_deals
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        (
            is_enabled
            AND (date_start IS NULL OR date_start <= current_date)
            AND (date_stop IS NULL OR date_stop >= current_date)
        )
        OR restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_promotional_deals_insert ON menuca_v3.promotional_deals
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_promotional_deals_update ON menuca_v3.promotional_deals
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_promotional_deals_delete ON menuca_v3.promotional_deals
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- promotional_coupons ----------------------------------------------------------------------------
ALTER TABLE menuca_v3.promotional_coupons ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_promotional_coupons_anon_read ON menuca_v3.promotional_coupons
    AS PERMISSIVE FOR SELECT TO anon
    USING (is_active AND NOT is_used);

CREATE POLICY menuca_rls_promotional_coupons_read ON menuca_v3.promotional_coupons
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        (is_active AND NOT is_used)
        OR restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_promotional_coupons_insert ON menuca_v3.promotional_coupons
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_promotional_coupons_update ON menuca_v3.promotional_coupons
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_promotional_coupons_delete ON menuca_v3.promotional_coupons
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- marketing_tags ---------------------------------------------------------------------------------
ALTER TABLE menuca_v3.marketing_tags ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_marketing_tags_public_read ON menuca_v3.marketing_tags
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (true);

CREATE POLICY menuca_rls_marketing_tags_insert ON menuca_v3.marketing_tags
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_marketing_tags_update ON menuca_v3.marketing_tags
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_marketing_tags_delete ON menuca_v3.marketing_tags
    AS PERMISSIVE FOR DELETE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()));

-- restaurant_tag_associations --------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_tag_associations ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_tag_associations_public_read ON menuca_v3.restaurant_tag_associations
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (true);

CREATE POLICY menuca_rls_restaurant_tag_associations_insert ON menuca_v3.restaurant_tag_associations
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_tag_associations_update ON menuca_v3.restaurant_tag_associations
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_tag_associations_delete ON menuca_v3.restaurant_tag_associations
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- provinces --------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.provinces ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_provinces_public_read ON menuca_v3.provinces
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (true);

CREATE POLICY menuca_rls_provinces_insert ON menuca_v3.provinces
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_provinces_update ON menuca_v3.provinces
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_provinces_delete ON menuca_v3.provinces
    AS PERMISSIVE FOR DELETE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()));

-- cities -----------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.cities ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_cities_public_read ON menuca_v3.cities
    AS PERMISSIVE FOR SELECT TO anon, authenticated
    USING (true);

CREATE POLICY menuca_rls_cities_insert ON menuca_v3.cities
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_cities_update ON menuca_v3.cities
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_cities_delete ON menuca_v3.cities
    AS PERMISSIVE FOR DELETE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()));
