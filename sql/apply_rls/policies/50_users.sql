-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
-- (squawk sees this file alone; apply_rls runs it inside its single transaction, after
-- SET LOCAL lock_timeout / statement_timeout and LOCK TABLE of every table: tools/apply_rls.py.)
-- Users and admins (MENUCA_FACTS.md "Row Level Security model"):
--   users: the signed-in user's own row (users.auth_user_id = auth.uid()) and platform admins; a user
--     can never point its row at another auth identity (WITH CHECK);
--   user_addresses, user_favorite_restaurants, password_reset_tokens, autologin_tokens: rows of the
--     user themself (user_id = menuca_v3.current_user_id()) and platform admins;
--   admin_users, admin_user_restaurants: platform admins only.
-- No tenant access: a restaurant does not read its customers' accounts through the API.
-- Every table here has one condition for all four commands: one FOR ALL policy for authenticated.
-- Same transaction, naming and one-permissive-policy rules as 10_menu.sql.

-- users ------------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.users ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_users_all ON menuca_v3.users
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        auth_user_id = (SELECT auth.uid())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        auth_user_id = (SELECT auth.uid())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- user_addresses ---------------------------------------------------------------------------------
ALTER TABLE menuca_v3.user_addresses ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_user_addresses_all ON menuca_v3.user_addresses
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        user_id = (SELECT menuca_v3.current_user_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        user_id = (SELECT menuca_v3.current_user_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- user_favorite_restaurants ----------------------------------------------------------------------
ALTER TABLE menuca_v3.user_favorite_restaurants ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_user_favorite_restaurants_all ON menuca_v3.user_favorite_restaurants
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        user_id = (SELECT menuca_v3.current_user_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        user_id = (SELECT menuca_v3.current_user_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- password_reset_tokens --------------------------------------------------------------------------
ALTER TABLE menuca_v3.password_reset_tokens ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_password_reset_tokens_all ON menuca_v3.password_reset_tokens
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        user_id = (SELECT menuca_v3.current_user_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        user_id = (SELECT menuca_v3.current_user_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- autologin_tokens -------------------------------------------------------------------------------
ALTER TABLE menuca_v3.autologin_tokens ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_autologin_tokens_all ON menuca_v3.autologin_tokens
    AS PERMISSIVE FOR ALL TO authenticated
    USING (
        user_id = (SELECT menuca_v3.current_user_id())
        OR (SELECT menuca_v3.is_platform_admin())
    )
    WITH CHECK (
        user_id = (SELECT menuca_v3.current_user_id())
        OR (SELECT menuca_v3.is_platform_admin())
    );

-- admin_users ------------------------------------------------------------------------------------
ALTER TABLE menuca_v3.admin_users ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_admin_users_all ON menuca_v3.admin_users
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));

-- admin_user_restaurants -------------------------------------------------------------------------
ALTER TABLE menuca_v3.admin_user_restaurants ENABLE ROW LEVEL SECURITY;

CREATE POLICY menuca_rls_admin_user_restaurants_all ON menuca_v3.admin_user_restaurants
    AS PERMISSIVE FOR ALL TO authenticated
    USING ((SELECT menuca_v3.is_platform_admin()))
    WITH CHECK ((SELECT menuca_v3.is_platform_admin()));
