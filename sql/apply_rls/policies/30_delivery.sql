-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
-- (squawk sees this file alone; apply_rls runs it inside its single transaction, after
-- SET LOCAL lock_timeout / statement_timeout and LOCK TABLE of every table: tools/apply_rls.py.)
-- Delivery (MENUCA_FACTS.md "Row Level Security model"): tenant and platform admin only; the public
-- reads a restaurant's active delivery areas (where it delivers and for how much).
-- delivery_company_emails has no restaurant_id: a tenant reads the companies its own
-- restaurant_delivery_companies rows name; only a platform admin writes it.
-- Same transaction, naming and one-permissive-policy rules as 10_menu.sql.

-- delivery_company_emails ------------------------------------------------------------------------
ALTER TABLE menuca_v3.delivery_company_emails ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_delivery_company_emails_read ON menuca_v3.delivery_company_emails
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        EXISTS (
            SELECT 1
            FROM menuca_v3.restaurant_delivery_companies AS c
            WHERE c.company_email_id = delivery_company_emails.id
              AND c.restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        )
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_delivery_company_emails_insert ON menuca_v3.delivery_company_emails
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_delivery_company_emails_update ON menuca_v3.delivery_company_emails
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

CREATE POLICY menuca_rls_delivery_company_emails_delete ON menuca_v3.delivery_company_emails
    AS PERMISSIVE FOR DELETE TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()));

-- restaurant_delivery_companies ------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_delivery_companies ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_delivery_companies_all ON menuca_v3.restaurant_delivery_companies
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_delivery_fees -----------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_delivery_fees ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_delivery_fees_all ON menuca_v3.restaurant_delivery_fees
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_delivery_config ---------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_delivery_config ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_delivery_config_all ON menuca_v3.restaurant_delivery_config
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_delivery_areas ----------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_delivery_areas ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_delivery_areas_anon_read ON menuca_v3.restaurant_delivery_areas
    AS PERMISSIVE FOR SELECT TO anon
    USING (is_active);

CREATE POLICY menuca_rls_restaurant_delivery_areas_read ON menuca_v3.restaurant_delivery_areas
    AS PERMISSIVE FOR SELECT TO authenticated
    USING (
        is_active
        OR restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_delivery_areas_insert ON menuca_v3.restaurant_delivery_areas
    AS PERMISSIVE FOR INSERT TO authenticated
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_delivery_areas_update ON menuca_v3.restaurant_delivery_areas
    AS PERMISSIVE FOR UPDATE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

CREATE POLICY menuca_rls_restaurant_delivery_areas_delete ON menuca_v3.restaurant_delivery_areas
    AS PERMISSIVE FOR DELETE TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_partner_schedules -------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_partner_schedules ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_partner_schedules_all ON menuca_v3.restaurant_partner_schedules
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- restaurant_twilio_config -----------------------------------------------------------------------
ALTER TABLE menuca_v3.restaurant_twilio_config ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_restaurant_twilio_config_all ON menuca_v3.restaurant_twilio_config
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        restaurant_id = (SELECT menuca_v3.current_restaurant_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );
