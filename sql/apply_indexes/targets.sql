-- The 58 target indexes of the MenuCA V3 runbook (MENUCA_FACTS.md), one statement each.
--
-- Every build is CREATE INDEX CONCURRENTLY: it never blocks writes, it cannot run inside a transaction
-- block (SQLSTATE 25001: the real run's script wrapped these in BEGIN/COMMIT), and apply_indexes runs
-- each one alone on an autocommit session, then checks pg_index.indisvalid: a failed concurrent build
-- leaves an INVALID index behind that IF NOT EXISTS would silently skip on the next attempt, so the
-- tool never relies on IF NOT EXISTS (it is here so the file is also safe to run by hand).
-- Before building, the tool decides per target: present (same name, same definition, valid),
-- equivalent (a valid index with the same definition under another name: not built again), rebuilt
-- (an INVALID index of that name: dropped concurrently, built again) or created.
--
-- The long lock profile: a concurrent build waits for every transaction that could see the table, and
-- lock_timeout also bounds those waits, so it is long here (the tool checks for long-running and
-- prepared transactions before each build); statement_timeout is off because a build takes as long
-- as the table needs.
SET lock_timeout = '120s';
SET statement_timeout = 0;


-- dishes
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_dishes_restaurant ON menuca_v3.dishes USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_dishes_course ON menuca_v3.dishes USING btree (course_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_dishes_active ON menuca_v3.dishes USING btree (restaurant_id, is_active) WHERE is_active = true;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_dishes_restaurant_active_course ON menuca_v3.dishes USING btree (restaurant_id, is_active, course_id, display_order);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_dishes_prices_gin ON menuca_v3.dishes USING gin (prices jsonb_path_ops) WHERE prices IS NOT NULL;

-- courses
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_courses_restaurant ON menuca_v3.courses USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_courses_order ON menuca_v3.courses USING btree (restaurant_id, display_order);

-- dish_modifiers
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_dish_modifiers_dish ON menuca_v3.dish_modifiers USING btree (dish_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_dish_modifiers_ingredient ON menuca_v3.dish_modifiers USING btree (ingredient_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_dish_modifiers_group ON menuca_v3.dish_modifiers USING btree (ingredient_group_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_dish_modifiers_restaurant ON menuca_v3.dish_modifiers USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_dish_modifiers_price_gin ON menuca_v3.dish_modifiers USING gin (price_by_size jsonb_path_ops) WHERE price_by_size IS NOT NULL;

-- ingredients
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_ingredients_restaurant ON menuca_v3.ingredients USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_ingredients_active ON menuca_v3.ingredients USING btree (restaurant_id, is_active) WHERE is_active = true;

-- ingredient_groups
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_ingredient_groups_restaurant ON menuca_v3.ingredient_groups USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_ingredient_groups_course ON menuca_v3.ingredient_groups USING btree (applies_to_course);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_ingredient_groups_dish ON menuca_v3.ingredient_groups USING btree (applies_to_dish);

-- ingredient_group_items
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_ingredient_group_items_group ON menuca_v3.ingredient_group_items USING btree (ingredient_group_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_ingredient_group_items_ingredient ON menuca_v3.ingredient_group_items USING btree (ingredient_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_ingredient_group_items_order ON menuca_v3.ingredient_group_items USING btree (ingredient_group_id, display_order);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_ingredient_items_price_gin ON menuca_v3.ingredient_group_items USING gin (price_by_size jsonb_path_ops) WHERE price_by_size IS NOT NULL;

-- combo_groups
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_combo_groups_restaurant ON menuca_v3.combo_groups USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_combo_groups_active ON menuca_v3.combo_groups USING btree (restaurant_id, is_active) WHERE is_active = true;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_combo_groups_rules_gin ON menuca_v3.combo_groups USING gin (combo_rules jsonb_path_ops) WHERE combo_rules IS NOT NULL;

-- combo_items
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_combo_items_group ON menuca_v3.combo_items USING btree (combo_group_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_combo_items_dish ON menuca_v3.combo_items USING btree (dish_id);

-- combo_group_modifier_pricing
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_combo_mod_pricing_group ON menuca_v3.combo_group_modifier_pricing USING btree (combo_group_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_combo_mod_pricing_ingredient ON menuca_v3.combo_group_modifier_pricing USING btree (ingredient_group_id);

-- combo_steps
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_combo_steps_item ON menuca_v3.combo_steps USING btree (combo_item_id);

-- restaurant_locations
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_locations_restaurant ON menuca_v3.restaurant_locations USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_locations_coords ON menuca_v3.restaurant_locations USING btree (latitude, longitude);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_locations_active ON menuca_v3.restaurant_locations USING btree (restaurant_id, is_active) WHERE is_active = true;

-- restaurant_schedules
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_schedules_restaurant ON menuca_v3.restaurant_schedules USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_schedules_restaurant_type ON menuca_v3.restaurant_schedules USING btree (restaurant_id, type, day_start);

-- restaurant_service_configs
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_service_configs_restaurant ON menuca_v3.restaurant_service_configs USING btree (restaurant_id);

-- restaurant_domains
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_domains_restaurant ON menuca_v3.restaurant_domains USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_domains_lookup ON menuca_v3.restaurant_domains USING btree (domain) WHERE is_enabled = true;

-- restaurant_delivery_config
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_delivery_config_restaurant ON menuca_v3.restaurant_delivery_config USING btree (restaurant_id);

-- restaurant_delivery_areas
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_delivery_areas_restaurant ON menuca_v3.restaurant_delivery_areas USING btree (restaurant_id);

-- restaurant_delivery_companies
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_delivery_companies_restaurant ON menuca_v3.restaurant_delivery_companies USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_delivery_companies_email ON menuca_v3.restaurant_delivery_companies USING btree (company_email_id);

-- restaurant_delivery_fees
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_delivery_fees_restaurant ON menuca_v3.restaurant_delivery_fees USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_delivery_fees_company ON menuca_v3.restaurant_delivery_fees USING btree (company_email_id);

-- promotional_deals
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_deals_restaurant ON menuca_v3.promotional_deals USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_deals_active ON menuca_v3.promotional_deals USING btree (restaurant_id, is_enabled, date_start, date_stop);

-- promotional_coupons
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_coupons_restaurant ON menuca_v3.promotional_coupons USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_coupons_code ON menuca_v3.promotional_coupons USING btree (code) WHERE is_active = true;

-- restaurant_tag_associations
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tag_associations_restaurant ON menuca_v3.restaurant_tag_associations USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tag_associations_tag ON menuca_v3.restaurant_tag_associations USING btree (tag_id);

-- users
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON menuca_v3.users USING btree (email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_origin ON menuca_v3.users USING btree (origin_restaurant_id);

-- user_addresses
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_user_addresses_user ON menuca_v3.user_addresses USING btree (user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_user_addresses_default ON menuca_v3.user_addresses USING btree (user_id, is_default) WHERE is_default = true;

-- admin_users
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_admin_users_email ON menuca_v3.admin_users USING btree (email);

-- admin_user_restaurants
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_admin_user_restaurants_admin ON menuca_v3.admin_user_restaurants USING btree (admin_user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_admin_user_restaurants_restaurant ON menuca_v3.admin_user_restaurants USING btree (restaurant_id);

-- devices
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_devices_restaurant ON menuca_v3.devices USING btree (restaurant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_devices_active ON menuca_v3.devices USING btree (restaurant_id, is_active) WHERE is_active = true;
