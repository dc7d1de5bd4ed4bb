-- squawk-ignore-file require-lock-timeout, require-statement-timeout
-- (apply_rls sets the long build profile on the autocommit connection first:
-- sql/apply_rls/build_profile.sql, lock_timeout 5min and no statement_timeout.)
-- Indexes backing every column a policy filters on (the tenant, parent and user columns), so that
-- RLS never turns a lookup into a sequential scan. Primary keys (restaurants.id, dishes.id, ...) are
-- indexed already and not listed.
--
-- apply_rls builds only the ones that are missing: a column counts as covered when a valid,
-- non-partial index of its table has it as the FIRST key column (for example idx_dishes_restaurant
-- from apply_indexes, the unique constraint users_auth_user_id_key, or
-- dish_customizations_dish_id_customization_type_key). Each build is one CREATE INDEX CONCURRENTLY
-- on an autocommit connection, BEFORE the policy transaction, checked valid afterwards; the names it
-- built are journaled, and rollback scope "rls" drops exactly those (an index of this list that was
-- in the preflight baseline is never dropped).

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_locations_restaurant_id ON menuca_v3.restaurant_locations (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_contacts_restaurant_id ON menuca_v3.restaurant_contacts (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_admin_users_restaurant_id ON menuca_v3.restaurant_admin_users (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_schedules_restaurant_id ON menuca_v3.restaurant_schedules (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_special_schedules_restaurant_id ON menuca_v3.restaurant_special_schedules (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_service_configs_restaurant_id ON menuca_v3.restaurant_service_configs (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_time_periods_restaurant_id ON menuca_v3.restaurant_time_periods (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_domains_restaurant_id ON menuca_v3.restaurant_domains (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_id_mapping_new_restaurant_id ON menuca_v3.restaurant_id_mapping (new_restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_devices_restaurant_id ON menuca_v3.devices (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_courses_restaurant_id ON menuca_v3.courses (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_dishes_restaurant_id ON menuca_v3.dishes (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_ingredients_restaurant_id ON menuca_v3.ingredients (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_ingredient_groups_restaurant_id ON menuca_v3.ingredient_groups (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_combo_groups_restaurant_id ON menuca_v3.combo_groups (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_dish_modifiers_restaurant_id ON menuca_v3.dish_modifiers (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_dish_modifiers_dish_id ON menuca_v3.dish_modifiers (dish_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_dish_customizations_dish_id ON menuca_v3.dish_customizations (dish_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_ingredient_group_items_ingredient_group_id ON menuca_v3.ingredient_group_items (ingredient_group_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_combo_items_combo_group_id ON menuca_v3.combo_items (combo_group_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_combo_group_modifier_pricing_combo_group_id ON menuca_v3.combo_group_modifier_pricing (combo_group_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_combo_steps_combo_item_id ON menuca_v3.combo_steps (combo_item_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_delivery_companies_restaurant_id ON menuca_v3.restaurant_delivery_companies (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_delivery_companies_company_email_id ON menuca_v3.restaurant_delivery_companies (company_email_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_delivery_fees_restaurant_id ON menuca_v3.restaurant_delivery_fees (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_delivery_config_restaurant_id ON menuca_v3.restaurant_delivery_config (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_delivery_areas_restaurant_id ON menuca_v3.restaurant_delivery_areas (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_partner_schedules_restaurant_id ON menuca_v3.restaurant_partner_schedules (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_twilio_config_restaurant_id ON menuca_v3.restaurant_twilio_config (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_promotional_deals_restaurant_id ON menuca_v3.promotional_deals (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_promotional_coupons_restaurant_id ON menuca_v3.promotional_coupons (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_restaurant_tag_associations_restaurant_id ON menuca_v3.restaurant_tag_associations (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_users_auth_user_id ON menuca_v3.users (auth_user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_user_addresses_user_id ON menuca_v3.user_addresses (user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_user_favorite_restaurants_user_id ON menuca_v3.user_favorite_restaurants (user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_password_reset_tokens_user_id ON menuca_v3.password_reset_tokens (user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_autologin_tokens_user_id ON menuca_v3.autologin_tokens (user_id);
