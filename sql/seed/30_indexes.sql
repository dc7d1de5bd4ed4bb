-- The indexes menuca_v3 had before the runbook, besides primary keys and unique constraints
-- (MENUCA_FACTS.md "Indexes before the runbook").
--
-- Catalog at the end of this file: 136 indexes in menuca_v3 = 42 primary keys + 18 unique
-- constraints (10_schema.sql) + the 76 below. Built after the data: faster than maintaining them
-- row by row, and the same catalog.
--
-- What the runbook meets (tests/test_dataset.py checks each point):
-- * 5 of its 58 target names already exist, with the target's exact definition:
--   idx_dishes_restaurant, idx_dishes_course, idx_dishes_active, idx_courses_restaurant,
--   idx_combo_groups_restaurant.
-- * 2 targets exist under other names, with the same definition: idx_combo_items_combo
--   (= idx_combo_items_group) and idx_admin_restaurants_admin (= idx_admin_user_restaurants_admin).
-- * idx_users_email_lower (unique, on lower(email)) is NOT the target idx_users_email (on email).
-- * Nothing else matches a target's definition (table, columns or expressions, operator class,
--   method, predicate): no foreign-key index on a column a target names, no unique constraint on
--   one (a unique index would cover a non-unique target), no two indexes with one definition.
--   Indexes on other columns of the target tables are fine and realistic (legacy ids, lookups).
--   So 51 targets are really missing.

-- -- The 5 runbook names that already exist ------------------------------------------------------
CREATE INDEX idx_dishes_restaurant ON menuca_v3.dishes (restaurant_id);
CREATE INDEX idx_dishes_course ON menuca_v3.dishes (course_id);
CREATE INDEX idx_dishes_active ON menuca_v3.dishes (restaurant_id, is_active) WHERE is_active = true;
CREATE INDEX idx_courses_restaurant ON menuca_v3.courses (restaurant_id);
CREATE INDEX idx_combo_groups_restaurant ON menuca_v3.combo_groups (restaurant_id);

-- -- Targets present under other names ------------------------------------------------------------
CREATE INDEX idx_combo_items_combo ON menuca_v3.combo_items (combo_group_id);
CREATE INDEX idx_admin_restaurants_admin ON menuca_v3.admin_user_restaurants (admin_user_id);

-- -- Same column as a target, different definition -------------------------------------------------
CREATE UNIQUE INDEX idx_users_email_lower ON menuca_v3.users (lower(email));

-- -- Restaurants and their management tables ------------------------------------------------------
CREATE INDEX idx_restaurants_status ON menuca_v3.restaurants (status);
CREATE INDEX idx_restaurants_name ON menuca_v3.restaurants (name);
CREATE INDEX idx_restaurants_created_at ON menuca_v3.restaurants (created_at);
CREATE INDEX idx_cities_province ON menuca_v3.cities (province_id);
CREATE INDEX idx_restaurant_locations_city ON menuca_v3.restaurant_locations (city_id);
CREATE INDEX idx_restaurant_locations_province ON menuca_v3.restaurant_locations (province_id);
CREATE INDEX idx_restaurant_locations_postal_code ON menuca_v3.restaurant_locations (postal_code);
CREATE INDEX idx_restaurant_contacts_restaurant ON menuca_v3.restaurant_contacts (restaurant_id);
CREATE INDEX idx_restaurant_contacts_email ON menuca_v3.restaurant_contacts (email);
CREATE INDEX idx_restaurant_admin_users_legacy_v1 ON menuca_v3.restaurant_admin_users (legacy_v1_id);
CREATE INDEX idx_restaurant_admin_users_email ON menuca_v3.restaurant_admin_users (email);
CREATE INDEX idx_restaurant_schedules_type_days ON menuca_v3.restaurant_schedules (type, day_start, day_stop);
CREATE INDEX idx_special_schedules_restaurant ON menuca_v3.restaurant_special_schedules (restaurant_id);
CREATE INDEX idx_special_schedules_dates ON menuca_v3.restaurant_special_schedules (date_start, date_stop);
CREATE INDEX idx_special_schedules_legacy_v1 ON menuca_v3.restaurant_special_schedules (legacy_v1_id);
CREATE INDEX idx_time_periods_restaurant ON menuca_v3.restaurant_time_periods (restaurant_id);
CREATE INDEX idx_restaurant_domains_legacy_v1 ON menuca_v3.restaurant_domains (legacy_v1_id);
CREATE INDEX idx_restaurant_domains_type ON menuca_v3.restaurant_domains (domain_type);
CREATE INDEX idx_restaurant_id_mapping_new ON menuca_v3.restaurant_id_mapping (new_restaurant_id);

-- -- Menu and catalog ---------------------------------------------------------------------------------
CREATE INDEX idx_courses_legacy_v1 ON menuca_v3.courses (legacy_v1_id);
CREATE INDEX idx_courses_legacy_v2 ON menuca_v3.courses (legacy_v2_id);
CREATE INDEX idx_dishes_legacy_v1 ON menuca_v3.dishes (legacy_v1_id);
CREATE INDEX idx_dishes_legacy_v2 ON menuca_v3.dishes (legacy_v2_id);
CREATE INDEX idx_dishes_source ON menuca_v3.dishes (source_system, source_id);
CREATE INDEX idx_dishes_name ON menuca_v3.dishes (name);
CREATE INDEX idx_ingredients_legacy_v1 ON menuca_v3.ingredients (legacy_v1_id);
CREATE INDEX idx_ingredients_legacy_v2 ON menuca_v3.ingredients (legacy_v2_id);
CREATE INDEX idx_ingredients_name ON menuca_v3.ingredients (name);
CREATE INDEX idx_ingredients_type ON menuca_v3.ingredients (ingredient_type);
CREATE INDEX idx_ingredient_groups_legacy_v1 ON menuca_v3.ingredient_groups (legacy_v1_id);
CREATE INDEX idx_ingredient_groups_legacy_v2 ON menuca_v3.ingredient_groups (legacy_v2_id);
CREATE INDEX idx_ingredient_groups_type ON menuca_v3.ingredient_groups (group_type);
CREATE INDEX idx_dish_modifiers_legacy_v1 ON menuca_v3.dish_modifiers (legacy_v1_id);
CREATE INDEX idx_dish_modifiers_legacy_v2 ON menuca_v3.dish_modifiers (legacy_v2_id);
CREATE INDEX idx_dish_modifiers_type ON menuca_v3.dish_modifiers (modifier_type);
CREATE INDEX idx_dish_customizations_group ON menuca_v3.dish_customizations (ingredient_group_id);
CREATE INDEX idx_dish_customizations_legacy_v1 ON menuca_v3.dish_customizations (legacy_v1_id);

-- -- Combos -----------------------------------------------------------------------------------------
CREATE INDEX idx_combo_groups_legacy_v1 ON menuca_v3.combo_groups (legacy_v1_id);
CREATE INDEX idx_combo_groups_legacy_v2 ON menuca_v3.combo_groups (legacy_v2_id);
CREATE INDEX idx_combo_groups_source ON menuca_v3.combo_groups (source_system);
CREATE INDEX idx_combo_groups_name ON menuca_v3.combo_groups (name);
CREATE INDEX idx_combo_items_source ON menuca_v3.combo_items (source_system, source_id);
CREATE INDEX idx_combo_mod_pricing_legacy_v1 ON menuca_v3.combo_group_modifier_pricing (legacy_v1_id);

-- -- Delivery ---------------------------------------------------------------------------------------
CREATE INDEX idx_delivery_config_method ON menuca_v3.restaurant_delivery_config (delivery_method);
CREATE INDEX idx_delivery_fees_type ON menuca_v3.restaurant_delivery_fees (fee_type, tier_value);
CREATE INDEX idx_partner_schedules_restaurant ON menuca_v3.restaurant_partner_schedules (restaurant_id);

-- -- Marketing --------------------------------------------------------------------------------------
CREATE INDEX idx_deals_legacy_v1 ON menuca_v3.promotional_deals (legacy_v1_id);
CREATE INDEX idx_deals_legacy_v2 ON menuca_v3.promotional_deals (legacy_v2_id);
CREATE INDEX idx_deals_dates ON menuca_v3.promotional_deals (date_start, date_stop);
CREATE INDEX idx_deals_type ON menuca_v3.promotional_deals (deal_type);
CREATE INDEX idx_coupons_legacy_v1 ON menuca_v3.promotional_coupons (legacy_v1_id);
CREATE INDEX idx_coupons_valid_until ON menuca_v3.promotional_coupons (valid_until);

-- -- Users and admins ---------------------------------------------------------------------------------
CREATE INDEX idx_users_legacy_v1 ON menuca_v3.users (legacy_v1_id);
CREATE INDEX idx_users_legacy_v2 ON menuca_v3.users (legacy_v2_id);
CREATE INDEX idx_users_created_at ON menuca_v3.users (created_at);
CREATE INDEX idx_users_last_login ON menuca_v3.users (last_login_at);
CREATE INDEX idx_users_name ON menuca_v3.users (last_name, first_name);
CREATE INDEX idx_users_phone ON menuca_v3.users (phone);
CREATE INDEX idx_user_addresses_city ON menuca_v3.user_addresses (city_id);
CREATE INDEX idx_user_favorites_restaurant ON menuca_v3.user_favorite_restaurants (restaurant_id);
CREATE INDEX idx_password_reset_tokens_user ON menuca_v3.password_reset_tokens (user_id);
CREATE INDEX idx_password_reset_tokens_expires ON menuca_v3.password_reset_tokens (expires_at);
CREATE INDEX idx_autologin_tokens_user ON menuca_v3.autologin_tokens (user_id);
CREATE INDEX idx_autologin_tokens_expires ON menuca_v3.autologin_tokens (expires_at);
CREATE INDEX idx_admin_users_legacy_v1 ON menuca_v3.admin_users (legacy_v1_id);
CREATE INDEX idx_admin_users_legacy_v2 ON menuca_v3.admin_users (legacy_v2_id);

-- -- Devices ------------------------------------------------------------------------------------------
CREATE INDEX idx_devices_legacy_v1 ON menuca_v3.devices (legacy_v1_id);
CREATE INDEX idx_devices_last_seen ON menuca_v3.devices (last_seen_at);
