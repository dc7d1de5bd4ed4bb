-- Foreign keys of menuca_v3, added after the data (as pg_dump does): validating each one with a
-- single join is much faster than checking every inserted row, and the result is the same schema.
-- They are part of the real schema: the RLS policies and the combo repair rely on them.
--
-- Deliberately no index on any of these columns beyond what 30_indexes.sql creates: PostgreSQL
-- does not index foreign keys by itself, and the runbook's targets are exactly those indexes.

ALTER TABLE menuca_v3.cities
    ADD CONSTRAINT cities_province_id_fkey FOREIGN KEY (province_id) REFERENCES menuca_v3.provinces (id);

ALTER TABLE menuca_v3.restaurant_locations
    ADD CONSTRAINT restaurant_locations_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_locations
    ADD CONSTRAINT restaurant_locations_city_id_fkey FOREIGN KEY (city_id) REFERENCES menuca_v3.cities (id);

ALTER TABLE menuca_v3.restaurant_locations
    ADD CONSTRAINT restaurant_locations_province_id_fkey FOREIGN KEY (province_id) REFERENCES menuca_v3.provinces (id);

ALTER TABLE menuca_v3.restaurant_contacts
    ADD CONSTRAINT restaurant_contacts_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_admin_users
    ADD CONSTRAINT restaurant_admin_users_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_schedules
    ADD CONSTRAINT restaurant_schedules_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_special_schedules
    ADD CONSTRAINT restaurant_special_schedules_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_service_configs
    ADD CONSTRAINT restaurant_service_configs_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_time_periods
    ADD CONSTRAINT restaurant_time_periods_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_domains
    ADD CONSTRAINT restaurant_domains_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_id_mapping
    ADD CONSTRAINT restaurant_id_mapping_new_restaurant_id_fkey FOREIGN KEY (new_restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.courses
    ADD CONSTRAINT courses_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.dishes
    ADD CONSTRAINT dishes_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.dishes
    ADD CONSTRAINT dishes_course_id_fkey FOREIGN KEY (course_id) REFERENCES menuca_v3.courses (id) ON DELETE SET NULL;

ALTER TABLE menuca_v3.ingredients
    ADD CONSTRAINT ingredients_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.ingredient_groups
    ADD CONSTRAINT ingredient_groups_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.ingredient_groups
    ADD CONSTRAINT ingredient_groups_applies_to_course_fkey FOREIGN KEY (applies_to_course) REFERENCES menuca_v3.courses (id) ON DELETE SET NULL;

ALTER TABLE menuca_v3.ingredient_groups
    ADD CONSTRAINT ingredient_groups_applies_to_dish_fkey FOREIGN KEY (applies_to_dish) REFERENCES menuca_v3.dishes (id) ON DELETE SET NULL;

ALTER TABLE menuca_v3.ingredient_group_items
    ADD CONSTRAINT ingredient_group_items_ingredient_group_id_fkey FOREIGN KEY (ingredient_group_id) REFERENCES menuca_v3.ingredient_groups (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.ingredient_group_items
    ADD CONSTRAINT ingredient_group_items_ingredient_id_fkey FOREIGN KEY (ingredient_id) REFERENCES menuca_v3.ingredients (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.dish_modifiers
    ADD CONSTRAINT dish_modifiers_dish_id_fkey FOREIGN KEY (dish_id) REFERENCES menuca_v3.dishes (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.dish_modifiers
    ADD CONSTRAINT dish_modifiers_ingredient_id_fkey FOREIGN KEY (ingredient_id) REFERENCES menuca_v3.ingredients (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.dish_modifiers
    ADD CONSTRAINT dish_modifiers_ingredient_group_id_fkey FOREIGN KEY (ingredient_group_id) REFERENCES menuca_v3.ingredient_groups (id) ON DELETE SET NULL;

ALTER TABLE menuca_v3.dish_modifiers
    ADD CONSTRAINT dish_modifiers_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.dish_customizations
    ADD CONSTRAINT dish_customizations_dish_id_fkey FOREIGN KEY (dish_id) REFERENCES menuca_v3.dishes (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.dish_customizations
    ADD CONSTRAINT dish_customizations_ingredient_group_id_fkey FOREIGN KEY (ingredient_group_id) REFERENCES menuca_v3.ingredient_groups (id) ON DELETE SET NULL;

ALTER TABLE menuca_v3.combo_groups
    ADD CONSTRAINT combo_groups_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.combo_items
    ADD CONSTRAINT combo_items_combo_group_id_fkey FOREIGN KEY (combo_group_id) REFERENCES menuca_v3.combo_groups (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.combo_items
    ADD CONSTRAINT combo_items_dish_id_fkey FOREIGN KEY (dish_id) REFERENCES menuca_v3.dishes (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.combo_group_modifier_pricing
    ADD CONSTRAINT combo_group_modifier_pricing_combo_group_id_fkey FOREIGN KEY (combo_group_id) REFERENCES menuca_v3.combo_groups (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.combo_group_modifier_pricing
    ADD CONSTRAINT combo_group_modifier_pricing_ingredient_group_id_fkey FOREIGN KEY (ingredient_group_id) REFERENCES menuca_v3.ingredient_groups (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.combo_steps
    ADD CONSTRAINT combo_steps_combo_item_id_fkey FOREIGN KEY (combo_item_id) REFERENCES menuca_v3.combo_items (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_delivery_companies
    ADD CONSTRAINT restaurant_delivery_companies_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_delivery_companies
    ADD CONSTRAINT restaurant_delivery_companies_company_email_id_fkey FOREIGN KEY (company_email_id) REFERENCES menuca_v3.delivery_company_emails (id);

ALTER TABLE menuca_v3.restaurant_delivery_fees
    ADD CONSTRAINT restaurant_delivery_fees_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_delivery_fees
    ADD CONSTRAINT restaurant_delivery_fees_company_email_id_fkey FOREIGN KEY (company_email_id) REFERENCES menuca_v3.delivery_company_emails (id);

ALTER TABLE menuca_v3.restaurant_delivery_config
    ADD CONSTRAINT restaurant_delivery_config_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_delivery_areas
    ADD CONSTRAINT restaurant_delivery_areas_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_partner_schedules
    ADD CONSTRAINT restaurant_partner_schedules_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_twilio_config
    ADD CONSTRAINT restaurant_twilio_config_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.promotional_deals
    ADD CONSTRAINT promotional_deals_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.promotional_coupons
    ADD CONSTRAINT promotional_coupons_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_tag_associations
    ADD CONSTRAINT restaurant_tag_associations_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.restaurant_tag_associations
    ADD CONSTRAINT restaurant_tag_associations_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES menuca_v3.marketing_tags (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.users
    ADD CONSTRAINT users_origin_restaurant_id_fkey FOREIGN KEY (origin_restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE SET NULL;

ALTER TABLE menuca_v3.user_addresses
    ADD CONSTRAINT user_addresses_user_id_fkey FOREIGN KEY (user_id) REFERENCES menuca_v3.users (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.user_addresses
    ADD CONSTRAINT user_addresses_city_id_fkey FOREIGN KEY (city_id) REFERENCES menuca_v3.cities (id);

ALTER TABLE menuca_v3.user_favorite_restaurants
    ADD CONSTRAINT user_favorite_restaurants_user_id_fkey FOREIGN KEY (user_id) REFERENCES menuca_v3.users (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.user_favorite_restaurants
    ADD CONSTRAINT user_favorite_restaurants_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.password_reset_tokens
    ADD CONSTRAINT password_reset_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES menuca_v3.users (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.autologin_tokens
    ADD CONSTRAINT autologin_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES menuca_v3.users (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.admin_user_restaurants
    ADD CONSTRAINT admin_user_restaurants_admin_user_id_fkey FOREIGN KEY (admin_user_id) REFERENCES menuca_v3.admin_users (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.admin_user_restaurants
    ADD CONSTRAINT admin_user_restaurants_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;

ALTER TABLE menuca_v3.devices
    ADD CONSTRAINT devices_restaurant_id_fkey FOREIGN KEY (restaurant_id) REFERENCES menuca_v3.restaurants (id) ON DELETE CASCADE;
