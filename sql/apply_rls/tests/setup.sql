-- The rows the RLS test matrix works on, inserted AS THE OWNER at the start of the matrix's outer
-- transaction, which is always rolled back: nothing here is ever committed.
--
-- Tenants A and B (parameters tenant_a, tenant_b) are real restaurants with dishes chosen from the data
-- (fixtures.sql). Every row gets an explicit id = new_<table> + k, far above the table's max(id)
-- (id_bases.sql), so no sequence is ever called (an explicit value never evaluates the bigserial
-- default) and nothing collides with real rows. Row k = 1 belongs to tenant A and is the private or
-- inactive kind, k = 2 belongs to tenant B (inactive where the table has a flag), k = 3 is tenant
-- A's active / public kind. Unique text columns carry a "rls-matrix" marker.
-- Every statement is run on its own (server.db.split_statements).

-- menu and catalog -------------------------------------------------------------------------------
-- A restaurant of the matrix's own (nothing points at it): a platform admin's delete is proven on it.
INSERT INTO menuca_v3.restaurants (id, name, status)
VALUES (%(new_restaurants)s + 1, 'rls-matrix restaurant', 'pending');

INSERT INTO menuca_v3.courses (id, restaurant_id, name, display_order, is_active)
VALUES (%(new_courses)s + 1, %(tenant_a)s, 'rls-matrix A hidden course', 900, false),
       (%(new_courses)s + 2, %(tenant_b)s, 'rls-matrix B hidden course', 900, false),
       (%(new_courses)s + 3, %(tenant_a)s, 'rls-matrix A course', 901, true);

INSERT INTO menuca_v3.dishes (id, restaurant_id, course_id, name, base_price, is_active, source_system)
VALUES (%(new_dishes)s + 1, %(tenant_a)s, %(new_courses)s + 1, 'rls-matrix A hidden dish', 9.99, false, 'v3'),
       (%(new_dishes)s + 2, %(tenant_b)s, %(new_courses)s + 2, 'rls-matrix B hidden dish', 9.99, false, 'v3'),
       (%(new_dishes)s + 3, %(tenant_a)s, %(new_courses)s + 3, 'rls-matrix A dish', 9.99, true, 'v3');

INSERT INTO menuca_v3.ingredients (id, restaurant_id, name, base_price, is_active)
VALUES (%(new_ingredients)s + 1, %(tenant_a)s, 'rls-matrix A hidden topping', 1.00, false),
       (%(new_ingredients)s + 2, %(tenant_b)s, 'rls-matrix B hidden topping', 1.00, false),
       (%(new_ingredients)s + 3, %(tenant_a)s, 'rls-matrix A topping', 1.00, true);

INSERT INTO menuca_v3.ingredient_groups (id, restaurant_id, name, group_type, is_active)
VALUES (%(new_ingredient_groups)s + 1, %(tenant_a)s, 'rls-matrix A hidden extras', 'e', false),
       (%(new_ingredient_groups)s + 2, %(tenant_b)s, 'rls-matrix B hidden extras', 'e', false),
       (%(new_ingredient_groups)s + 3, %(tenant_a)s, 'rls-matrix A extras', 'e', true);

INSERT INTO menuca_v3.combo_groups (id, restaurant_id, name, is_active, source_system)
VALUES (%(new_combo_groups)s + 1, %(tenant_a)s, 'rls-matrix A hidden combo', false, 'v2'),
       (%(new_combo_groups)s + 2, %(tenant_b)s, 'rls-matrix B hidden combo', false, 'v2'),
       (%(new_combo_groups)s + 3, %(tenant_a)s, 'rls-matrix A combo', true, 'v2');

INSERT INTO menuca_v3.dish_modifiers (id, dish_id, ingredient_id, restaurant_id, base_price, modifier_type)
VALUES (%(new_dish_modifiers)s + 1, %(new_dishes)s + 1, %(new_ingredients)s + 3, %(tenant_a)s, 0.50, 'extras'),
       (%(new_dish_modifiers)s + 2, %(new_dishes)s + 2, %(new_ingredients)s + 2, %(tenant_b)s, 0.50, 'extras'),
       (%(new_dish_modifiers)s + 3, %(new_dishes)s + 3, %(new_ingredients)s + 3, %(tenant_a)s, 0.50, 'extras');

INSERT INTO menuca_v3.dish_customizations (id, dish_id, customization_type, title)
VALUES (%(new_dish_customizations)s + 1, %(new_dishes)s + 1, 'e', 'rls-matrix A hidden'),
       (%(new_dish_customizations)s + 2, %(new_dishes)s + 2, 'e', 'rls-matrix B hidden'),
       (%(new_dish_customizations)s + 3, %(new_dishes)s + 3, 'e', 'rls-matrix A');

INSERT INTO menuca_v3.ingredient_group_items (id, ingredient_group_id, ingredient_id, base_price)
VALUES (%(new_ingredient_group_items)s + 1, %(new_ingredient_groups)s + 1, %(new_ingredients)s + 3, 0.75),
       (%(new_ingredient_group_items)s + 2, %(new_ingredient_groups)s + 2, %(new_ingredients)s + 2, 0.75),
       (%(new_ingredient_group_items)s + 3, %(new_ingredient_groups)s + 3, %(new_ingredients)s + 3, 0.75);

INSERT INTO menuca_v3.combo_items (id, combo_group_id, dish_id, source_system)
VALUES (%(new_combo_items)s + 1, %(new_combo_groups)s + 1, %(new_dishes)s + 3, 'rls-matrix'),
       (%(new_combo_items)s + 2, %(new_combo_groups)s + 2, %(new_dishes)s + 2, 'rls-matrix'),
       (%(new_combo_items)s + 3, %(new_combo_groups)s + 3, %(new_dishes)s + 3, 'rls-matrix');

INSERT INTO menuca_v3.combo_group_modifier_pricing (id, combo_group_id, ingredient_group_id, pricing_rules)
VALUES (%(new_combo_group_modifier_pricing)s + 1, %(new_combo_groups)s + 1, %(new_ingredient_groups)s + 1, '{}'),
       (%(new_combo_group_modifier_pricing)s + 2, %(new_combo_groups)s + 2, %(new_ingredient_groups)s + 2, '{}'),
       (%(new_combo_group_modifier_pricing)s + 3, %(new_combo_groups)s + 3, %(new_ingredient_groups)s + 3, '{}');

INSERT INTO menuca_v3.combo_steps (id, combo_item_id, step_number, step_label)
VALUES (%(new_combo_steps)s + 1, %(new_combo_items)s + 1, 1, 'rls-matrix A hidden'),
       (%(new_combo_steps)s + 2, %(new_combo_items)s + 2, 1, 'rls-matrix B hidden'),
       (%(new_combo_steps)s + 3, %(new_combo_items)s + 3, 1, 'rls-matrix A');

-- restaurant management and devices --------------------------------------------------------------
INSERT INTO menuca_v3.restaurant_locations (id, restaurant_id, street_address, is_active)
VALUES (%(new_restaurant_locations)s + 1, %(tenant_a)s, 'rls-matrix A street', true),
       (%(new_restaurant_locations)s + 2, %(tenant_b)s, 'rls-matrix B street', true);

INSERT INTO menuca_v3.restaurant_contacts (id, restaurant_id, first_name, email)
VALUES (%(new_restaurant_contacts)s + 1, %(tenant_a)s, 'rls-matrix A', 'rls-matrix-a@example.invalid'),
       (%(new_restaurant_contacts)s + 2, %(tenant_b)s, 'rls-matrix B', 'rls-matrix-b@example.invalid');

INSERT INTO menuca_v3.restaurant_admin_users (id, restaurant_id, email)
VALUES (%(new_restaurant_admin_users)s + 1, %(tenant_a)s, 'rls-matrix-staff-a@example.invalid'),
       (%(new_restaurant_admin_users)s + 2, %(tenant_b)s, 'rls-matrix-staff-b@example.invalid');

INSERT INTO menuca_v3.restaurant_schedules (id, restaurant_id, type, day_start, day_stop, time_start, time_stop, is_enabled)
VALUES (%(new_restaurant_schedules)s + 1, %(tenant_a)s, 'delivery', 1, 7, '11:00', '22:00', false),
       (%(new_restaurant_schedules)s + 2, %(tenant_b)s, 'delivery', 1, 7, '11:00', '22:00', false),
       (%(new_restaurant_schedules)s + 3, %(tenant_a)s, 'takeout', 1, 7, '11:00', '22:00', true);

INSERT INTO menuca_v3.restaurant_special_schedules (id, restaurant_id, schedule_type, date_start, date_stop, reason, is_active)
VALUES (%(new_restaurant_special_schedules)s + 1, %(tenant_a)s, 'closed', '2030-12-24', '2030-12-26', 'rls-matrix A', false),
       (%(new_restaurant_special_schedules)s + 2, %(tenant_b)s, 'closed', '2030-12-24', '2030-12-26', 'rls-matrix B', false),
       (%(new_restaurant_special_schedules)s + 3, %(tenant_a)s, 'closed', '2030-12-31', '2031-01-01', 'rls-matrix A', true);

INSERT INTO menuca_v3.restaurant_service_configs (id, restaurant_id, delivery_enabled)
VALUES (%(new_restaurant_service_configs)s + 1, %(tenant_a)s, true),
       (%(new_restaurant_service_configs)s + 2, %(tenant_b)s, true);

INSERT INTO menuca_v3.restaurant_time_periods (id, restaurant_id, name, time_start, time_stop)
VALUES (%(new_restaurant_time_periods)s + 1, %(tenant_a)s, 'rls-matrix A lunch', '11:00', '14:00'),
       (%(new_restaurant_time_periods)s + 2, %(tenant_b)s, 'rls-matrix B lunch', '11:00', '14:00');

INSERT INTO menuca_v3.restaurant_domains (id, restaurant_id, domain)
VALUES (%(new_restaurant_domains)s + 1, %(tenant_a)s, 'rls-matrix-a.example.invalid'),
       (%(new_restaurant_domains)s + 2, %(tenant_b)s, 'rls-matrix-b.example.invalid');

INSERT INTO menuca_v3.restaurant_id_mapping (id, new_restaurant_id, old_restaurant_id, source_system, restaurant_name)
VALUES (%(new_restaurant_id_mapping)s + 1, %(tenant_a)s, 2000000001, 'v2', 'rls-matrix A'),
       (%(new_restaurant_id_mapping)s + 2, %(tenant_b)s, 2000000002, 'v2', 'rls-matrix B');

INSERT INTO menuca_v3.devices (id, restaurant_id, device_uuid, device_name)
VALUES (%(new_devices)s + 1, %(tenant_a)s, md5('rls-matrix device A')::uuid, 'rls-matrix A'),
       (%(new_devices)s + 2, %(tenant_b)s, md5('rls-matrix device B')::uuid, 'rls-matrix B');

-- delivery ---------------------------------------------------------------------------------------
INSERT INTO menuca_v3.delivery_company_emails (id, email, company_name)
VALUES (%(new_delivery_company_emails)s + 1, 'rls-matrix-courier-a@example.invalid', 'rls-matrix A courier'),
       (%(new_delivery_company_emails)s + 2, 'rls-matrix-courier-b@example.invalid', 'rls-matrix B courier'),
       (%(new_delivery_company_emails)s + 3, 'rls-matrix-courier-spare@example.invalid', 'rls-matrix spare courier');

INSERT INTO menuca_v3.restaurant_delivery_companies (id, restaurant_id, company_email_id)
VALUES (%(new_restaurant_delivery_companies)s + 1, %(tenant_a)s, %(new_delivery_company_emails)s + 1),
       (%(new_restaurant_delivery_companies)s + 2, %(tenant_b)s, %(new_delivery_company_emails)s + 2);

INSERT INTO menuca_v3.restaurant_delivery_fees (id, restaurant_id, company_email_id, fee_type, tier_value, total_delivery_fee)
VALUES (%(new_restaurant_delivery_fees)s + 1, %(tenant_a)s, %(new_delivery_company_emails)s + 1, 'distance', 5, 4.99),
       (%(new_restaurant_delivery_fees)s + 2, %(tenant_b)s, %(new_delivery_company_emails)s + 2, 'distance', 5, 4.99);

INSERT INTO menuca_v3.restaurant_delivery_config (id, restaurant_id, default_fee)
VALUES (%(new_restaurant_delivery_config)s + 1, %(tenant_a)s, 3.99),
       (%(new_restaurant_delivery_config)s + 2, %(tenant_b)s, 3.99);

INSERT INTO menuca_v3.restaurant_delivery_areas (id, restaurant_id, area_number, area_name, is_active)
VALUES (%(new_restaurant_delivery_areas)s + 1, %(tenant_a)s, 91, 'rls-matrix A hidden area', false),
       (%(new_restaurant_delivery_areas)s + 2, %(tenant_b)s, 92, 'rls-matrix B hidden area', false),
       (%(new_restaurant_delivery_areas)s + 3, %(tenant_a)s, 93, 'rls-matrix A area', true);

INSERT INTO menuca_v3.restaurant_partner_schedules (id, restaurant_id, partner, day_start, day_stop, time_start, time_stop)
VALUES (%(new_restaurant_partner_schedules)s + 1, %(tenant_a)s, 'rls-matrix', 1, 7, '11:00', '22:00'),
       (%(new_restaurant_partner_schedules)s + 2, %(tenant_b)s, 'rls-matrix', 1, 7, '11:00', '22:00');

-- One configuration per restaurant (unique restaurant_id): added only where the restaurant has none;
-- the tests address it by restaurant.
INSERT INTO menuca_v3.restaurant_twilio_config (id, restaurant_id, phone_number)
SELECT %(new_restaurant_twilio_config)s + k, r, '555-0100'
FROM (VALUES (1, %(tenant_a)s::bigint), (2, %(tenant_b)s::bigint)) AS t(k, r)
WHERE NOT EXISTS (SELECT 1 FROM menuca_v3.restaurant_twilio_config AS c WHERE c.restaurant_id = t.r);

-- marketing and reference ------------------------------------------------------------------------
-- A province and a city nothing points at (a platform admin's deletes are proven on them).
INSERT INTO menuca_v3.provinces (id, code, name)
VALUES (%(new_provinces)s + 1, 'ZX', 'rls-matrix setup province');

INSERT INTO menuca_v3.cities (id, province_id, name)
VALUES (%(new_cities)s + 1, (SELECT min(p.id) FROM menuca_v3.provinces AS p), 'rls-matrix setup city');

INSERT INTO menuca_v3.promotional_deals (id, restaurant_id, name, deal_type, discount_percent, date_start, date_stop, is_enabled)
VALUES (%(new_promotional_deals)s + 1, %(tenant_a)s, 'rls-matrix A disabled deal', 'percent', 10, NULL, NULL, false),
       (%(new_promotional_deals)s + 2, %(tenant_b)s, 'rls-matrix B expired deal', 'percent', 10, '2001-01-01', '2001-01-31', true),
       (%(new_promotional_deals)s + 3, %(tenant_a)s, 'rls-matrix A deal', 'percent', 10, current_date - 1, current_date + 1, true);

INSERT INTO menuca_v3.promotional_coupons (id, restaurant_id, code, discount_type, discount_amount, is_active, is_used)
VALUES (%(new_promotional_coupons)s + 1, %(tenant_a)s, 'RLS-MATRIX-A-USED', 'amount', 5, true, true),
       (%(new_promotional_coupons)s + 2, %(tenant_b)s, 'RLS-MATRIX-B-OFF', 'amount', 5, false, false),
       (%(new_promotional_coupons)s + 3, %(tenant_a)s, 'RLS-MATRIX-A', 'amount', 5, true, false);

INSERT INTO menuca_v3.marketing_tags (id, name, slug)
VALUES (%(new_marketing_tags)s + 1, 'rls-matrix tag', 'rls-matrix-tag');

INSERT INTO menuca_v3.restaurant_tag_associations (id, restaurant_id, tag_id)
VALUES (%(new_restaurant_tag_associations)s + 1, %(tenant_a)s, %(new_marketing_tags)s + 1),
       (%(new_restaurant_tag_associations)s + 2, %(tenant_b)s, %(new_marketing_tags)s + 1);

-- users and admins -------------------------------------------------------------------------------
-- The end user comes from the data (a users row with auth_user_id); only a database with no such
-- row gets one here (end_user_inserted). Two more users: "other" (linked to another auth identity)
-- and "unlinked" (no auth identity).
INSERT INTO menuca_v3.users (id, email, auth_user_id)
SELECT %(end_user_id)s, 'rls-matrix-end-user@example.invalid', %(end_user_auth)s::uuid
WHERE %(end_user_inserted)s;

INSERT INTO menuca_v3.users (id, email, auth_user_id)
VALUES (%(new_users)s + 1, 'rls-matrix-other@example.invalid', md5('rls-matrix other user')::uuid),
       (%(new_users)s + 2, 'rls-matrix-unlinked@example.invalid', NULL);

INSERT INTO menuca_v3.user_addresses (id, user_id, street_address)
VALUES (%(new_user_addresses)s + 1, %(end_user_id)s, 'rls-matrix end user street'),
       (%(new_user_addresses)s + 2, %(new_users)s + 1, 'rls-matrix other street');

INSERT INTO menuca_v3.user_favorite_restaurants (id, user_id, restaurant_id)
VALUES (%(new_user_favorite_restaurants)s + 1, %(end_user_id)s, %(tenant_b)s),
       (%(new_user_favorite_restaurants)s + 2, %(new_users)s + 1, %(tenant_a)s);

INSERT INTO menuca_v3.password_reset_tokens (id, user_id, token_hash, expires_at)
VALUES (%(new_password_reset_tokens)s + 1, %(end_user_id)s, 'rls-matrix-reset-end-user', now() + interval '1 hour'),
       (%(new_password_reset_tokens)s + 2, %(new_users)s + 1, 'rls-matrix-reset-other', now() + interval '1 hour');

INSERT INTO menuca_v3.autologin_tokens (id, user_id, token_hash, expires_at)
VALUES (%(new_autologin_tokens)s + 1, %(end_user_id)s, 'rls-matrix-login-end-user', now() + interval '30 days'),
       (%(new_autologin_tokens)s + 2, %(new_users)s + 1, 'rls-matrix-login-other', now() + interval '30 days');

INSERT INTO menuca_v3.admin_users (id, email, permissions)
VALUES (%(new_admin_users)s + 1, 'rls-matrix-admin@example.invalid', '{"restaurants": "all"}');

INSERT INTO menuca_v3.admin_user_restaurants (id, admin_user_id, restaurant_id, role)
VALUES (%(new_admin_user_restaurants)s + 1, %(new_admin_users)s + 1, %(tenant_a)s, 'owner');
