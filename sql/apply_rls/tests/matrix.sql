-- The RLS test matrix: every test is run by tools/rls_matrix.py as the real role `anon` or
-- `authenticated` with JWT claims (never as the table owner, who bypasses RLS), inside a savepoint
-- of a transaction that is always rolled back.
--
-- Format (parsed by tools/rls_matrix.py), one block per test:
--   -- test: <what it proves, in words>
--   -- as: <identity> | table: <table> | action: <read|insert|update|delete|move> | expect: <allow|deny>
--   <one statement>;
-- Optional header keys: `rows: <parameter>` (an allow-read must see exactly that many rows) and
-- `proof: <rows|42501>` (how a deny is proven, see below).
--
-- Identities (claims built by tools/rls_matrix.py IDENTITIES): anon (no claims), tenant_a and
-- tenant_b (app_metadata.restaurant_id), admin (app_metadata.platform_admin = true), end_user (sub =
-- a users.auth_user_id), and the claim shapes that must NOT grant anything: anon_claiming_tenant_a,
-- anon_claiming_end_user, legacy_claims (the original scripts' top-level role/restaurant_id),
-- user_metadata_claims (user-editable metadata) and admin_string_claim ("true" as a string).
--
-- Results: a read returns one column n (rows visible); a write is judged by rows affected.
--   allow: n or rows affected >= 1 (or exactly `rows`), no error;
--   deny, proof rows (default for read, update, delete): 0 rows visible or affected, AND the same
--     statement run first as the owner (a control, rolled back) sees or affects at least one row, so
--     the denial is not vacuous;
--   deny, proof 42501 (default for insert and move): SQLSTATE 42501 "new row violates row-level
--     security policy", AND the owner's control succeeds, so nothing else (a constraint) refused it.
-- Any other error is a failure, never a pass.
--
-- Parameters: the fixtures of fixtures.sql and id_bases.sql; rows of setup.sql are
-- new_<table> + 1 (tenant A, private or hidden), + 2 (tenant B, hidden), + 3 (tenant A, public);
-- inserts use new_<table> + 100. No placeholder may appear in a comment.

-- dishes: real rows of the two tenants (chosen from the data) -------------------------------------
-- test: anon reads an active dish of tenant A (public by design)
-- as: anon | table: dishes | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(a_active_dish)s;

-- test: anon cannot read an inactive dish of tenant A
-- as: anon | table: dishes | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(a_inactive_dish)s;

-- test: tenant B reads an active dish of tenant A (public by design)
-- as: tenant_b | table: dishes | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(a_active_dish)s;

-- test: tenant B cannot read an inactive dish of tenant A
-- as: tenant_b | table: dishes | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(a_inactive_dish)s;

-- test: tenant B sees none of tenant A's inactive dishes
-- as: tenant_b | table: dishes | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dishes WHERE restaurant_id = %(tenant_a)s AND NOT is_active;

-- test: tenant A sees every one of its inactive dishes
-- as: tenant_a | table: dishes | action: read | expect: allow | rows: a_inactive_dishes
SELECT count(*) AS n FROM menuca_v3.dishes WHERE restaurant_id = %(tenant_a)s AND NOT is_active;

-- test: tenant A cannot read an inactive dish of tenant B
-- as: tenant_a | table: dishes | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(b_inactive_dish)s;

-- test: a platform admin reads an inactive dish of tenant A
-- as: admin | table: dishes | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(a_inactive_dish)s;

-- test: an end user cannot read an inactive dish of tenant A
-- as: end_user | table: dishes | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(a_inactive_dish)s;

-- test: tenant B cannot update an active dish of tenant A it can see
-- as: tenant_b | table: dishes | action: update | expect: deny
UPDATE menuca_v3.dishes SET base_price = 0 WHERE id = %(a_active_dish)s;

-- test: tenant B cannot update an inactive dish of tenant A
-- as: tenant_b | table: dishes | action: update | expect: deny
UPDATE menuca_v3.dishes SET is_active = true WHERE id = %(a_inactive_dish)s;

-- test: tenant B cannot delete an active dish of tenant A
-- as: tenant_b | table: dishes | action: delete | expect: deny
DELETE FROM menuca_v3.dishes WHERE id = %(a_active_dish)s;

-- test: anon cannot update an active dish
-- as: anon | table: dishes | action: update | expect: deny
UPDATE menuca_v3.dishes SET base_price = 0 WHERE id = %(a_active_dish)s;

-- test: anon cannot delete an active dish
-- as: anon | table: dishes | action: delete | expect: deny
DELETE FROM menuca_v3.dishes WHERE id = %(a_active_dish)s;

-- test: tenant B cannot take over all of tenant A's dishes
-- as: tenant_b | table: dishes | action: move | expect: deny | proof: rows
UPDATE menuca_v3.dishes SET restaurant_id = %(tenant_b)s WHERE restaurant_id = %(tenant_a)s;

-- dishes: writes on the matrix's own rows ---------------------------------------------------------
-- test: tenant A updates its own inactive dish
-- as: tenant_a | table: dishes | action: update | expect: allow
UPDATE menuca_v3.dishes SET base_price = 10.99 WHERE id = %(new_dishes)s + 1;

-- test: tenant A hides its own active dish
-- as: tenant_a | table: dishes | action: update | expect: allow
UPDATE menuca_v3.dishes SET is_active = false WHERE id = %(new_dishes)s + 3;

-- test: tenant A cannot move its dish to tenant B
-- as: tenant_a | table: dishes | action: move | expect: deny
UPDATE menuca_v3.dishes SET restaurant_id = %(tenant_b)s WHERE id = %(new_dishes)s + 1;

-- test: tenant A cannot pull tenant B's hidden dish into its own restaurant
-- as: tenant_a | table: dishes | action: move | expect: deny | proof: rows
UPDATE menuca_v3.dishes SET restaurant_id = %(tenant_a)s WHERE id = %(new_dishes)s + 2;

-- test: tenant A inserts a dish for itself
-- as: tenant_a | table: dishes | action: insert | expect: allow
INSERT INTO menuca_v3.dishes (id, restaurant_id, name, base_price, source_system)
VALUES (%(new_dishes)s + 100, %(tenant_a)s, 'rls-matrix new dish', 12.50, 'v3');

-- test: tenant B cannot insert a dish for tenant A
-- as: tenant_b | table: dishes | action: insert | expect: deny
INSERT INTO menuca_v3.dishes (id, restaurant_id, name, base_price, source_system)
VALUES (%(new_dishes)s + 100, %(tenant_a)s, 'rls-matrix new dish', 12.50, 'v3');

-- test: anon cannot insert a dish
-- as: anon | table: dishes | action: insert | expect: deny
INSERT INTO menuca_v3.dishes (id, restaurant_id, name, base_price, source_system)
VALUES (%(new_dishes)s + 100, %(tenant_a)s, 'rls-matrix new dish', 12.50, 'v3');

-- test: an end user cannot insert a dish
-- as: end_user | table: dishes | action: insert | expect: deny
INSERT INTO menuca_v3.dishes (id, restaurant_id, name, base_price, source_system)
VALUES (%(new_dishes)s + 100, %(tenant_a)s, 'rls-matrix new dish', 12.50, 'v3');

-- test: tenant A deletes its own hidden dish
-- as: tenant_a | table: dishes | action: delete | expect: allow
DELETE FROM menuca_v3.dishes WHERE id = %(new_dishes)s + 1;

-- test: a platform admin moves a dish from tenant A to tenant B
-- as: admin | table: dishes | action: move | expect: allow
UPDATE menuca_v3.dishes SET restaurant_id = %(tenant_b)s WHERE id = %(new_dishes)s + 1;

-- claim shapes that must not grant anything ---------------------------------------------------------
-- test: anon with a forged tenant claim cannot read tenant A's inactive dish
-- as: anon_claiming_tenant_a | table: dishes | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(a_inactive_dish)s;

-- test: anon with a forged tenant claim cannot update tenant A's dish
-- as: anon_claiming_tenant_a | table: dishes | action: update | expect: deny
UPDATE menuca_v3.dishes SET base_price = 0 WHERE id = %(new_dishes)s + 3;

-- test: the original scripts' top-level role=admin and restaurant_id claims grant no tenant read
-- as: legacy_claims | table: dishes | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(a_inactive_dish)s;

-- test: the original scripts' top-level role=admin and restaurant_id claims grant no tenant write
-- as: legacy_claims | table: dishes | action: update | expect: deny
UPDATE menuca_v3.dishes SET base_price = 0 WHERE id = %(new_dishes)s + 3;

-- test: user-editable user_metadata cannot claim a tenant
-- as: user_metadata_claims | table: dishes | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(a_inactive_dish)s;

-- test: platform_admin as the string "true" is not a platform admin
-- as: admin_string_claim | table: dishes | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dishes WHERE id = %(a_inactive_dish)s;

-- test: the original scripts' top-level role=admin claim does not read admin_users
-- as: legacy_claims | table: admin_users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.admin_users WHERE id = %(new_admin_users)s + 1;

-- test: anon presenting an end user's sub cannot read that user's row
-- as: anon_claiming_end_user | table: users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.users WHERE id = %(end_user_id)s;

-- restaurants ------------------------------------------------------------------------------------
-- test: anon reads an active restaurant
-- as: anon | table: restaurants | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurants WHERE id = %(active_restaurant)s;

-- test: anon cannot read a restaurant that is not active
-- as: anon | table: restaurants | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurants WHERE id = %(hidden_restaurant)s;

-- test: tenant B cannot read another restaurant that is not active
-- as: tenant_b | table: restaurants | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurants WHERE id = %(hidden_restaurant)s;

-- test: tenant A reads its own restaurant whatever its status
-- as: tenant_a | table: restaurants | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurants WHERE id = %(tenant_a)s;

-- test: tenant A updates its own restaurant
-- as: tenant_a | table: restaurants | action: update | expect: allow
UPDATE menuca_v3.restaurants SET name = name || ' (edited)' WHERE id = %(tenant_a)s;

-- test: tenant B cannot update tenant A's restaurant
-- as: tenant_b | table: restaurants | action: update | expect: deny
UPDATE menuca_v3.restaurants SET name = name || ' (edited)' WHERE id = %(tenant_a)s;

-- test: anon cannot update a restaurant
-- as: anon | table: restaurants | action: update | expect: deny
UPDATE menuca_v3.restaurants SET name = name || ' (edited)' WHERE id = %(active_restaurant)s;

-- test: tenant A cannot create a restaurant
-- as: tenant_a | table: restaurants | action: insert | expect: deny
INSERT INTO menuca_v3.restaurants (id, name) VALUES (%(new_restaurants)s + 100, 'rls-matrix new restaurant');

-- test: tenant A cannot delete its own restaurant
-- as: tenant_a | table: restaurants | action: delete | expect: deny
DELETE FROM menuca_v3.restaurants WHERE id = %(tenant_a)s;

-- test: a platform admin creates a restaurant
-- as: admin | table: restaurants | action: insert | expect: allow
INSERT INTO menuca_v3.restaurants (id, name) VALUES (%(new_restaurants)s + 100, 'rls-matrix new restaurant');

-- test: a platform admin updates a restaurant that is not active
-- as: admin | table: restaurants | action: update | expect: allow
UPDATE menuca_v3.restaurants SET name = name || ' (edited)' WHERE id = %(hidden_restaurant)s;

-- restaurant_id_mapping (tenant reads, only admins write) -----------------------------------------
-- test: tenant A reads its own legacy id mapping
-- as: tenant_a | table: restaurant_id_mapping | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_id_mapping WHERE id = %(new_restaurant_id_mapping)s + 1;

-- test: tenant B cannot read tenant A's legacy id mapping
-- as: tenant_b | table: restaurant_id_mapping | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_id_mapping WHERE id = %(new_restaurant_id_mapping)s + 1;

-- test: anon cannot read a legacy id mapping
-- as: anon | table: restaurant_id_mapping | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_id_mapping WHERE id = %(new_restaurant_id_mapping)s + 1;

-- test: tenant A cannot rewrite its legacy id mapping
-- as: tenant_a | table: restaurant_id_mapping | action: update | expect: deny
UPDATE menuca_v3.restaurant_id_mapping SET old_restaurant_id = 2000000099 WHERE id = %(new_restaurant_id_mapping)s + 1;

-- test: tenant A cannot add a legacy id mapping
-- as: tenant_a | table: restaurant_id_mapping | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_id_mapping (id, new_restaurant_id, old_restaurant_id, source_system)
VALUES (%(new_restaurant_id_mapping)s + 100, %(tenant_a)s, 2000000100, 'v2');

-- test: a platform admin rewrites a legacy id mapping
-- as: admin | table: restaurant_id_mapping | action: update | expect: allow
UPDATE menuca_v3.restaurant_id_mapping SET old_restaurant_id = 2000000099 WHERE id = %(new_restaurant_id_mapping)s + 1;

-- restaurant_twilio_config (one per restaurant, addressed by restaurant) --------------------------
-- test: tenant A reads its own Twilio configuration
-- as: tenant_a | table: restaurant_twilio_config | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_twilio_config WHERE restaurant_id = %(tenant_a)s;

-- test: tenant B cannot read tenant A's Twilio configuration
-- as: tenant_b | table: restaurant_twilio_config | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_twilio_config WHERE restaurant_id = %(tenant_a)s;

-- test: anon cannot read a Twilio configuration
-- as: anon | table: restaurant_twilio_config | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_twilio_config WHERE restaurant_id = %(tenant_a)s;

-- test: tenant A updates its own Twilio configuration
-- as: tenant_a | table: restaurant_twilio_config | action: update | expect: allow
UPDATE menuca_v3.restaurant_twilio_config SET enable_call = NOT enable_call WHERE restaurant_id = %(tenant_a)s;

-- test: tenant B cannot update tenant A's Twilio configuration
-- as: tenant_b | table: restaurant_twilio_config | action: update | expect: deny
UPDATE menuca_v3.restaurant_twilio_config SET enable_call = NOT enable_call WHERE restaurant_id = %(tenant_a)s;

-- test: tenant A cannot hand its Twilio configuration to another restaurant
-- as: tenant_a | table: restaurant_twilio_config | action: move | expect: deny
UPDATE menuca_v3.restaurant_twilio_config SET restaurant_id = %(no_twilio_restaurant)s WHERE restaurant_id = %(tenant_a)s;

-- test: tenant B cannot delete tenant A's Twilio configuration
-- as: tenant_b | table: restaurant_twilio_config | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_twilio_config WHERE restaurant_id = %(tenant_a)s;

-- delivery_company_emails (tenant reads the couriers it uses; only admins write) ----------------
-- test: tenant A reads the courier its delivery company row names
-- as: tenant_a | table: delivery_company_emails | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.delivery_company_emails WHERE id = %(new_delivery_company_emails)s + 1;

-- test: tenant B cannot read tenant A's courier
-- as: tenant_b | table: delivery_company_emails | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.delivery_company_emails WHERE id = %(new_delivery_company_emails)s + 1;

-- test: anon cannot read courier emails
-- as: anon | table: delivery_company_emails | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.delivery_company_emails WHERE id = %(new_delivery_company_emails)s + 1;

-- test: tenant A cannot edit a courier
-- as: tenant_a | table: delivery_company_emails | action: update | expect: deny
UPDATE menuca_v3.delivery_company_emails SET company_name = 'rls-matrix edited' WHERE id = %(new_delivery_company_emails)s + 1;

-- test: tenant A cannot add a courier
-- as: tenant_a | table: delivery_company_emails | action: insert | expect: deny
INSERT INTO menuca_v3.delivery_company_emails (id, email) VALUES (%(new_delivery_company_emails)s + 100, 'rls-matrix-new-courier@example.invalid');

-- test: a platform admin edits a courier
-- as: admin | table: delivery_company_emails | action: update | expect: allow
UPDATE menuca_v3.delivery_company_emails SET company_name = 'rls-matrix edited' WHERE id = %(new_delivery_company_emails)s + 1;

-- test: a platform admin adds a courier
-- as: admin | table: delivery_company_emails | action: insert | expect: allow
INSERT INTO menuca_v3.delivery_company_emails (id, email) VALUES (%(new_delivery_company_emails)s + 100, 'rls-matrix-new-courier@example.invalid');

-- marketing_tags and restaurant_tag_associations (public reads) ---------------------------------
-- test: anon reads marketing tags
-- as: anon | table: marketing_tags | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.marketing_tags WHERE id = %(new_marketing_tags)s + 1;

-- test: tenant A cannot create a marketing tag
-- as: tenant_a | table: marketing_tags | action: insert | expect: deny
INSERT INTO menuca_v3.marketing_tags (id, name, slug) VALUES (%(new_marketing_tags)s + 100, 'rls-matrix new tag', 'rls-matrix-new-tag');

-- test: tenant A cannot rename a marketing tag
-- as: tenant_a | table: marketing_tags | action: update | expect: deny
UPDATE menuca_v3.marketing_tags SET description = 'rls-matrix edited' WHERE id = %(new_marketing_tags)s + 1;

-- test: anon cannot delete a marketing tag
-- as: anon | table: marketing_tags | action: delete | expect: deny
DELETE FROM menuca_v3.marketing_tags WHERE id = %(new_marketing_tags)s + 1;

-- test: a platform admin creates a marketing tag
-- as: admin | table: marketing_tags | action: insert | expect: allow
INSERT INTO menuca_v3.marketing_tags (id, name, slug) VALUES (%(new_marketing_tags)s + 100, 'rls-matrix new tag', 'rls-matrix-new-tag');

-- test: anon reads a restaurant's tags
-- as: anon | table: restaurant_tag_associations | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_tag_associations WHERE id = %(new_restaurant_tag_associations)s + 1;

-- test: tenant A tags its own restaurant
-- as: tenant_a | table: restaurant_tag_associations | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_tag_associations (id, restaurant_id, tag_id) VALUES (%(new_restaurant_tag_associations)s + 100, %(tenant_a)s, %(new_marketing_tags)s + 1);

-- test: tenant B cannot tag tenant A's restaurant
-- as: tenant_b | table: restaurant_tag_associations | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_tag_associations (id, restaurant_id, tag_id) VALUES (%(new_restaurant_tag_associations)s + 100, %(tenant_a)s, %(new_marketing_tags)s + 1);

-- test: tenant B cannot delete tenant A's tag
-- as: tenant_b | table: restaurant_tag_associations | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_tag_associations WHERE id = %(new_restaurant_tag_associations)s + 1;

-- test: tenant A cannot move its tag to tenant B
-- as: tenant_a | table: restaurant_tag_associations | action: move | expect: deny
UPDATE menuca_v3.restaurant_tag_associations SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_tag_associations)s + 1;

-- test: tenant A removes its own tag
-- as: tenant_a | table: restaurant_tag_associations | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_tag_associations WHERE id = %(new_restaurant_tag_associations)s + 1;

-- provinces and cities (public reference data, only admins write) -------------------------------
-- test: anon reads the provinces
-- as: anon | table: provinces | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.provinces;

-- test: anon cannot add a province
-- as: anon | table: provinces | action: insert | expect: deny
INSERT INTO menuca_v3.provinces (id, code, name) VALUES (%(new_provinces)s + 100, 'ZZ', 'rls-matrix province');

-- test: tenant A cannot rename a province
-- as: tenant_a | table: provinces | action: update | expect: deny
UPDATE menuca_v3.provinces SET name_fr = name_fr WHERE id = (SELECT min(id) FROM menuca_v3.provinces);

-- test: an end user cannot rename a province
-- as: end_user | table: provinces | action: update | expect: deny
UPDATE menuca_v3.provinces SET name_fr = name_fr WHERE id = (SELECT min(id) FROM menuca_v3.provinces);

-- test: a platform admin adds a province
-- as: admin | table: provinces | action: insert | expect: allow
INSERT INTO menuca_v3.provinces (id, code, name) VALUES (%(new_provinces)s + 100, 'ZZ', 'rls-matrix province');

-- test: anon reads the cities
-- as: anon | table: cities | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.cities;

-- test: tenant A cannot edit a city
-- as: tenant_a | table: cities | action: update | expect: deny
UPDATE menuca_v3.cities SET timezone = timezone WHERE id = (SELECT min(id) FROM menuca_v3.cities);

-- test: anon cannot add a city
-- as: anon | table: cities | action: insert | expect: deny
INSERT INTO menuca_v3.cities (id, province_id, name) VALUES (%(new_cities)s + 100, (SELECT min(id) FROM menuca_v3.provinces), 'rls-matrix city');

-- test: a platform admin edits a city
-- as: admin | table: cities | action: update | expect: allow
UPDATE menuca_v3.cities SET timezone = timezone WHERE id = (SELECT min(id) FROM menuca_v3.cities);

-- courses ----------------------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden courses row
-- as: tenant_b | table: courses | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.courses WHERE id = %(new_courses)s + 1;

-- test: anon cannot read tenant A's hidden courses row
-- as: anon | table: courses | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.courses WHERE id = %(new_courses)s + 1;

-- test: an end user cannot read tenant A's hidden courses row
-- as: end_user | table: courses | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.courses WHERE id = %(new_courses)s + 1;

-- test: tenant A reads its own hidden courses row
-- as: tenant_a | table: courses | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.courses WHERE id = %(new_courses)s + 1;

-- test: a platform admin reads tenant A's hidden courses row
-- as: admin | table: courses | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.courses WHERE id = %(new_courses)s + 1;

-- test: tenant A updates its own hidden courses row
-- as: tenant_a | table: courses | action: update | expect: allow
UPDATE menuca_v3.courses SET display_order = display_order + 1 WHERE id = %(new_courses)s + 1;

-- test: tenant B cannot update tenant A's hidden courses row
-- as: tenant_b | table: courses | action: update | expect: deny
UPDATE menuca_v3.courses SET display_order = display_order + 1 WHERE id = %(new_courses)s + 1;

-- test: anon cannot update tenant A's hidden courses row
-- as: anon | table: courses | action: update | expect: deny
UPDATE menuca_v3.courses SET display_order = display_order + 1 WHERE id = %(new_courses)s + 1;

-- test: a platform admin updates tenant A's courses row
-- as: admin | table: courses | action: update | expect: allow
UPDATE menuca_v3.courses SET display_order = display_order + 1 WHERE id = %(new_courses)s + 1;

-- test: tenant A cannot move its courses row to tenant B
-- as: tenant_a | table: courses | action: move | expect: deny
UPDATE menuca_v3.courses SET restaurant_id = %(tenant_b)s WHERE id = %(new_courses)s + 1;

-- test: tenant B cannot insert a courses row for tenant A
-- as: tenant_b | table: courses | action: insert | expect: deny
INSERT INTO menuca_v3.courses (id, restaurant_id, name) VALUES (%(new_courses)s + 100, %(tenant_a)s, 'rls-matrix new course');

-- test: tenant A inserts its own courses row
-- as: tenant_a | table: courses | action: insert | expect: allow
INSERT INTO menuca_v3.courses (id, restaurant_id, name) VALUES (%(new_courses)s + 100, %(tenant_a)s, 'rls-matrix new course');

-- test: anon cannot insert a courses row
-- as: anon | table: courses | action: insert | expect: deny
INSERT INTO menuca_v3.courses (id, restaurant_id, name) VALUES (%(new_courses)s + 100, %(tenant_a)s, 'rls-matrix new course');

-- test: a platform admin inserts a courses row for tenant A
-- as: admin | table: courses | action: insert | expect: allow
INSERT INTO menuca_v3.courses (id, restaurant_id, name) VALUES (%(new_courses)s + 100, %(tenant_a)s, 'rls-matrix new course');

-- test: tenant B cannot delete tenant A's courses row
-- as: tenant_b | table: courses | action: delete | expect: deny
DELETE FROM menuca_v3.courses WHERE id = %(new_courses)s + 1;

-- test: anon cannot delete tenant A's courses row
-- as: anon | table: courses | action: delete | expect: deny
DELETE FROM menuca_v3.courses WHERE id = %(new_courses)s + 1;

-- test: tenant A deletes its own courses row
-- as: tenant_a | table: courses | action: delete | expect: allow
DELETE FROM menuca_v3.courses WHERE id = %(new_courses)s + 1;

-- test: anon reads tenant A's public courses row (is_active)
-- as: anon | table: courses | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.courses WHERE id = %(new_courses)s + 3;

-- test: tenant B reads tenant A's public courses row (is_active)
-- as: tenant_b | table: courses | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.courses WHERE id = %(new_courses)s + 3;

-- test: tenant B cannot update tenant A's public courses row
-- as: tenant_b | table: courses | action: update | expect: deny
UPDATE menuca_v3.courses SET display_order = display_order + 1 WHERE id = %(new_courses)s + 3;

-- test: anon cannot read tenant B's hidden courses row
-- as: anon | table: courses | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.courses WHERE id = %(new_courses)s + 2;

-- ingredients ------------------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden ingredients row
-- as: tenant_b | table: ingredients | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.ingredients WHERE id = %(new_ingredients)s + 1;

-- test: anon cannot read tenant A's hidden ingredients row
-- as: anon | table: ingredients | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.ingredients WHERE id = %(new_ingredients)s + 1;

-- test: tenant A reads its own hidden ingredients row
-- as: tenant_a | table: ingredients | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredients WHERE id = %(new_ingredients)s + 1;

-- test: a platform admin reads tenant A's hidden ingredients row
-- as: admin | table: ingredients | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredients WHERE id = %(new_ingredients)s + 1;

-- test: tenant A updates its own hidden ingredients row
-- as: tenant_a | table: ingredients | action: update | expect: allow
UPDATE menuca_v3.ingredients SET base_price = base_price + 1 WHERE id = %(new_ingredients)s + 1;

-- test: tenant B cannot update tenant A's hidden ingredients row
-- as: tenant_b | table: ingredients | action: update | expect: deny
UPDATE menuca_v3.ingredients SET base_price = base_price + 1 WHERE id = %(new_ingredients)s + 1;

-- test: tenant A cannot move its ingredients row to tenant B
-- as: tenant_a | table: ingredients | action: move | expect: deny
UPDATE menuca_v3.ingredients SET restaurant_id = %(tenant_b)s WHERE id = %(new_ingredients)s + 1;

-- test: tenant B cannot insert a ingredients row for tenant A
-- as: tenant_b | table: ingredients | action: insert | expect: deny
INSERT INTO menuca_v3.ingredients (id, restaurant_id, name) VALUES (%(new_ingredients)s + 100, %(tenant_a)s, 'rls-matrix new topping');

-- test: tenant A inserts its own ingredients row
-- as: tenant_a | table: ingredients | action: insert | expect: allow
INSERT INTO menuca_v3.ingredients (id, restaurant_id, name) VALUES (%(new_ingredients)s + 100, %(tenant_a)s, 'rls-matrix new topping');

-- test: tenant B cannot delete tenant A's ingredients row
-- as: tenant_b | table: ingredients | action: delete | expect: deny
DELETE FROM menuca_v3.ingredients WHERE id = %(new_ingredients)s + 1;

-- test: anon reads tenant A's public ingredients row (is_active)
-- as: anon | table: ingredients | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredients WHERE id = %(new_ingredients)s + 3;

-- test: tenant B reads tenant A's public ingredients row (is_active)
-- as: tenant_b | table: ingredients | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredients WHERE id = %(new_ingredients)s + 3;

-- test: tenant B cannot update tenant A's public ingredients row
-- as: tenant_b | table: ingredients | action: update | expect: deny
UPDATE menuca_v3.ingredients SET base_price = base_price + 1 WHERE id = %(new_ingredients)s + 3;

-- test: anon cannot read tenant B's hidden ingredients row
-- as: anon | table: ingredients | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.ingredients WHERE id = %(new_ingredients)s + 2;

-- ingredient_groups ------------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden ingredient_groups row
-- as: tenant_b | table: ingredient_groups | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.ingredient_groups WHERE id = %(new_ingredient_groups)s + 1;

-- test: anon cannot read tenant A's hidden ingredient_groups row
-- as: anon | table: ingredient_groups | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.ingredient_groups WHERE id = %(new_ingredient_groups)s + 1;

-- test: tenant A reads its own hidden ingredient_groups row
-- as: tenant_a | table: ingredient_groups | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredient_groups WHERE id = %(new_ingredient_groups)s + 1;

-- test: a platform admin reads tenant A's hidden ingredient_groups row
-- as: admin | table: ingredient_groups | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredient_groups WHERE id = %(new_ingredient_groups)s + 1;

-- test: tenant A updates its own hidden ingredient_groups row
-- as: tenant_a | table: ingredient_groups | action: update | expect: allow
UPDATE menuca_v3.ingredient_groups SET name = name || ' (edited)' WHERE id = %(new_ingredient_groups)s + 1;

-- test: tenant B cannot update tenant A's hidden ingredient_groups row
-- as: tenant_b | table: ingredient_groups | action: update | expect: deny
UPDATE menuca_v3.ingredient_groups SET name = name || ' (edited)' WHERE id = %(new_ingredient_groups)s + 1;

-- test: tenant A cannot move its ingredient_groups row to tenant B
-- as: tenant_a | table: ingredient_groups | action: move | expect: deny
UPDATE menuca_v3.ingredient_groups SET restaurant_id = %(tenant_b)s WHERE id = %(new_ingredient_groups)s + 1;

-- test: tenant B cannot insert a ingredient_groups row for tenant A
-- as: tenant_b | table: ingredient_groups | action: insert | expect: deny
INSERT INTO menuca_v3.ingredient_groups (id, restaurant_id, name, group_type) VALUES (%(new_ingredient_groups)s + 100, %(tenant_a)s, 'rls-matrix new group', 'e');

-- test: tenant A inserts its own ingredient_groups row
-- as: tenant_a | table: ingredient_groups | action: insert | expect: allow
INSERT INTO menuca_v3.ingredient_groups (id, restaurant_id, name, group_type) VALUES (%(new_ingredient_groups)s + 100, %(tenant_a)s, 'rls-matrix new group', 'e');

-- test: tenant B cannot delete tenant A's ingredient_groups row
-- as: tenant_b | table: ingredient_groups | action: delete | expect: deny
DELETE FROM menuca_v3.ingredient_groups WHERE id = %(new_ingredient_groups)s + 1;

-- test: anon reads tenant A's public ingredient_groups row (is_active)
-- as: anon | table: ingredient_groups | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredient_groups WHERE id = %(new_ingredient_groups)s + 3;

-- test: tenant B reads tenant A's public ingredient_groups row (is_active)
-- as: tenant_b | table: ingredient_groups | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredient_groups WHERE id = %(new_ingredient_groups)s + 3;

-- test: tenant B cannot update tenant A's public ingredient_groups row
-- as: tenant_b | table: ingredient_groups | action: update | expect: deny
UPDATE menuca_v3.ingredient_groups SET name = name || ' (edited)' WHERE id = %(new_ingredient_groups)s + 3;

-- test: anon cannot read tenant B's hidden ingredient_groups row
-- as: anon | table: ingredient_groups | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.ingredient_groups WHERE id = %(new_ingredient_groups)s + 2;

-- combo_groups -----------------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden combo_groups row
-- as: tenant_b | table: combo_groups | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 1;

-- test: anon cannot read tenant A's hidden combo_groups row
-- as: anon | table: combo_groups | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 1;

-- test: an end user cannot read tenant A's hidden combo_groups row
-- as: end_user | table: combo_groups | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 1;

-- test: tenant A reads its own hidden combo_groups row
-- as: tenant_a | table: combo_groups | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 1;

-- test: a platform admin reads tenant A's hidden combo_groups row
-- as: admin | table: combo_groups | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 1;

-- test: tenant A updates its own hidden combo_groups row
-- as: tenant_a | table: combo_groups | action: update | expect: allow
UPDATE menuca_v3.combo_groups SET name = name || ' (edited)' WHERE id = %(new_combo_groups)s + 1;

-- test: tenant B cannot update tenant A's hidden combo_groups row
-- as: tenant_b | table: combo_groups | action: update | expect: deny
UPDATE menuca_v3.combo_groups SET name = name || ' (edited)' WHERE id = %(new_combo_groups)s + 1;

-- test: anon cannot update tenant A's hidden combo_groups row
-- as: anon | table: combo_groups | action: update | expect: deny
UPDATE menuca_v3.combo_groups SET name = name || ' (edited)' WHERE id = %(new_combo_groups)s + 1;

-- test: a platform admin updates tenant A's combo_groups row
-- as: admin | table: combo_groups | action: update | expect: allow
UPDATE menuca_v3.combo_groups SET name = name || ' (edited)' WHERE id = %(new_combo_groups)s + 1;

-- test: tenant A cannot move its combo_groups row to tenant B
-- as: tenant_a | table: combo_groups | action: move | expect: deny
UPDATE menuca_v3.combo_groups SET restaurant_id = %(tenant_b)s WHERE id = %(new_combo_groups)s + 1;

-- test: tenant B cannot insert a combo_groups row for tenant A
-- as: tenant_b | table: combo_groups | action: insert | expect: deny
INSERT INTO menuca_v3.combo_groups (id, restaurant_id, name, source_system) VALUES (%(new_combo_groups)s + 100, %(tenant_a)s, 'rls-matrix new combo', 'v2');

-- test: tenant A inserts its own combo_groups row
-- as: tenant_a | table: combo_groups | action: insert | expect: allow
INSERT INTO menuca_v3.combo_groups (id, restaurant_id, name, source_system) VALUES (%(new_combo_groups)s + 100, %(tenant_a)s, 'rls-matrix new combo', 'v2');

-- test: anon cannot insert a combo_groups row
-- as: anon | table: combo_groups | action: insert | expect: deny
INSERT INTO menuca_v3.combo_groups (id, restaurant_id, name, source_system) VALUES (%(new_combo_groups)s + 100, %(tenant_a)s, 'rls-matrix new combo', 'v2');

-- test: a platform admin inserts a combo_groups row for tenant A
-- as: admin | table: combo_groups | action: insert | expect: allow
INSERT INTO menuca_v3.combo_groups (id, restaurant_id, name, source_system) VALUES (%(new_combo_groups)s + 100, %(tenant_a)s, 'rls-matrix new combo', 'v2');

-- test: tenant B cannot delete tenant A's combo_groups row
-- as: tenant_b | table: combo_groups | action: delete | expect: deny
DELETE FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 1;

-- test: anon cannot delete tenant A's combo_groups row
-- as: anon | table: combo_groups | action: delete | expect: deny
DELETE FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 1;

-- test: tenant A deletes its own combo_groups row
-- as: tenant_a | table: combo_groups | action: delete | expect: allow
DELETE FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 1;

-- test: anon reads tenant A's public combo_groups row (is_active)
-- as: anon | table: combo_groups | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 3;

-- test: tenant B reads tenant A's public combo_groups row (is_active)
-- as: tenant_b | table: combo_groups | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 3;

-- test: tenant B cannot update tenant A's public combo_groups row
-- as: tenant_b | table: combo_groups | action: update | expect: deny
UPDATE menuca_v3.combo_groups SET name = name || ' (edited)' WHERE id = %(new_combo_groups)s + 3;

-- test: anon cannot read tenant B's hidden combo_groups row
-- as: anon | table: combo_groups | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 2;

-- dish_modifiers ---------------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden dish_modifiers row
-- as: tenant_b | table: dish_modifiers | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dish_modifiers WHERE id = %(new_dish_modifiers)s + 1;

-- test: anon cannot read tenant A's hidden dish_modifiers row
-- as: anon | table: dish_modifiers | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dish_modifiers WHERE id = %(new_dish_modifiers)s + 1;

-- test: tenant A reads its own hidden dish_modifiers row
-- as: tenant_a | table: dish_modifiers | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dish_modifiers WHERE id = %(new_dish_modifiers)s + 1;

-- test: a platform admin reads tenant A's hidden dish_modifiers row
-- as: admin | table: dish_modifiers | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dish_modifiers WHERE id = %(new_dish_modifiers)s + 1;

-- test: tenant A updates its own hidden dish_modifiers row
-- as: tenant_a | table: dish_modifiers | action: update | expect: allow
UPDATE menuca_v3.dish_modifiers SET base_price = base_price + 1 WHERE id = %(new_dish_modifiers)s + 1;

-- test: tenant B cannot update tenant A's hidden dish_modifiers row
-- as: tenant_b | table: dish_modifiers | action: update | expect: deny
UPDATE menuca_v3.dish_modifiers SET base_price = base_price + 1 WHERE id = %(new_dish_modifiers)s + 1;

-- test: tenant A cannot move its dish_modifiers row to tenant B
-- as: tenant_a | table: dish_modifiers | action: move | expect: deny
UPDATE menuca_v3.dish_modifiers SET restaurant_id = %(tenant_b)s WHERE id = %(new_dish_modifiers)s + 1;

-- test: tenant B cannot insert a dish_modifiers row for tenant A
-- as: tenant_b | table: dish_modifiers | action: insert | expect: deny
INSERT INTO menuca_v3.dish_modifiers (id, dish_id, ingredient_id, restaurant_id, modifier_type) VALUES (%(new_dish_modifiers)s + 100, %(new_dishes)s + 3, %(new_ingredients)s + 3, %(tenant_a)s, 'extras');

-- test: tenant A inserts its own dish_modifiers row
-- as: tenant_a | table: dish_modifiers | action: insert | expect: allow
INSERT INTO menuca_v3.dish_modifiers (id, dish_id, ingredient_id, restaurant_id, modifier_type) VALUES (%(new_dish_modifiers)s + 100, %(new_dishes)s + 3, %(new_ingredients)s + 3, %(tenant_a)s, 'extras');

-- test: tenant B cannot delete tenant A's dish_modifiers row
-- as: tenant_b | table: dish_modifiers | action: delete | expect: deny
DELETE FROM menuca_v3.dish_modifiers WHERE id = %(new_dish_modifiers)s + 1;

-- test: anon reads tenant A's public dish_modifiers row (dish active)
-- as: anon | table: dish_modifiers | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dish_modifiers WHERE id = %(new_dish_modifiers)s + 3;

-- test: tenant B reads tenant A's public dish_modifiers row (dish active)
-- as: tenant_b | table: dish_modifiers | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dish_modifiers WHERE id = %(new_dish_modifiers)s + 3;

-- test: tenant B cannot update tenant A's public dish_modifiers row
-- as: tenant_b | table: dish_modifiers | action: update | expect: deny
UPDATE menuca_v3.dish_modifiers SET base_price = base_price + 1 WHERE id = %(new_dish_modifiers)s + 3;

-- test: anon cannot read tenant B's hidden dish_modifiers row
-- as: anon | table: dish_modifiers | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dish_modifiers WHERE id = %(new_dish_modifiers)s + 2;

-- dish_customizations ----------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden dish_customizations row
-- as: tenant_b | table: dish_customizations | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dish_customizations WHERE id = %(new_dish_customizations)s + 1;

-- test: anon cannot read tenant A's hidden dish_customizations row
-- as: anon | table: dish_customizations | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dish_customizations WHERE id = %(new_dish_customizations)s + 1;

-- test: tenant A reads its own hidden dish_customizations row
-- as: tenant_a | table: dish_customizations | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dish_customizations WHERE id = %(new_dish_customizations)s + 1;

-- test: a platform admin reads tenant A's hidden dish_customizations row
-- as: admin | table: dish_customizations | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dish_customizations WHERE id = %(new_dish_customizations)s + 1;

-- test: tenant A updates its own hidden dish_customizations row
-- as: tenant_a | table: dish_customizations | action: update | expect: allow
UPDATE menuca_v3.dish_customizations SET title = title || ' (edited)' WHERE id = %(new_dish_customizations)s + 1;

-- test: tenant B cannot update tenant A's hidden dish_customizations row
-- as: tenant_b | table: dish_customizations | action: update | expect: deny
UPDATE menuca_v3.dish_customizations SET title = title || ' (edited)' WHERE id = %(new_dish_customizations)s + 1;

-- test: tenant A cannot move its dish_customizations row to tenant B
-- as: tenant_a | table: dish_customizations | action: move | expect: deny
UPDATE menuca_v3.dish_customizations SET dish_id = %(new_dishes)s + 2, customization_type = 'sd' WHERE id = %(new_dish_customizations)s + 1;

-- test: tenant B cannot insert a dish_customizations row for tenant A
-- as: tenant_b | table: dish_customizations | action: insert | expect: deny
INSERT INTO menuca_v3.dish_customizations (id, dish_id, customization_type) VALUES (%(new_dish_customizations)s + 100, %(new_dishes)s + 3, 'sd');

-- test: tenant A inserts its own dish_customizations row
-- as: tenant_a | table: dish_customizations | action: insert | expect: allow
INSERT INTO menuca_v3.dish_customizations (id, dish_id, customization_type) VALUES (%(new_dish_customizations)s + 100, %(new_dishes)s + 3, 'sd');

-- test: tenant B cannot delete tenant A's dish_customizations row
-- as: tenant_b | table: dish_customizations | action: delete | expect: deny
DELETE FROM menuca_v3.dish_customizations WHERE id = %(new_dish_customizations)s + 1;

-- test: anon reads tenant A's public dish_customizations row (dish active)
-- as: anon | table: dish_customizations | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dish_customizations WHERE id = %(new_dish_customizations)s + 3;

-- test: tenant B reads tenant A's public dish_customizations row (dish active)
-- as: tenant_b | table: dish_customizations | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.dish_customizations WHERE id = %(new_dish_customizations)s + 3;

-- test: tenant B cannot update tenant A's public dish_customizations row
-- as: tenant_b | table: dish_customizations | action: update | expect: deny
UPDATE menuca_v3.dish_customizations SET title = title || ' (edited)' WHERE id = %(new_dish_customizations)s + 3;

-- test: anon cannot read tenant B's hidden dish_customizations row
-- as: anon | table: dish_customizations | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.dish_customizations WHERE id = %(new_dish_customizations)s + 2;

-- ingredient_group_items -------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden ingredient_group_items row
-- as: tenant_b | table: ingredient_group_items | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 1;

-- test: anon cannot read tenant A's hidden ingredient_group_items row
-- as: anon | table: ingredient_group_items | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 1;

-- test: an end user cannot read tenant A's hidden ingredient_group_items row
-- as: end_user | table: ingredient_group_items | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 1;

-- test: tenant A reads its own hidden ingredient_group_items row
-- as: tenant_a | table: ingredient_group_items | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 1;

-- test: a platform admin reads tenant A's hidden ingredient_group_items row
-- as: admin | table: ingredient_group_items | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 1;

-- test: tenant A updates its own hidden ingredient_group_items row
-- as: tenant_a | table: ingredient_group_items | action: update | expect: allow
UPDATE menuca_v3.ingredient_group_items SET display_order = display_order + 1 WHERE id = %(new_ingredient_group_items)s + 1;

-- test: tenant B cannot update tenant A's hidden ingredient_group_items row
-- as: tenant_b | table: ingredient_group_items | action: update | expect: deny
UPDATE menuca_v3.ingredient_group_items SET display_order = display_order + 1 WHERE id = %(new_ingredient_group_items)s + 1;

-- test: anon cannot update tenant A's hidden ingredient_group_items row
-- as: anon | table: ingredient_group_items | action: update | expect: deny
UPDATE menuca_v3.ingredient_group_items SET display_order = display_order + 1 WHERE id = %(new_ingredient_group_items)s + 1;

-- test: a platform admin updates tenant A's ingredient_group_items row
-- as: admin | table: ingredient_group_items | action: update | expect: allow
UPDATE menuca_v3.ingredient_group_items SET display_order = display_order + 1 WHERE id = %(new_ingredient_group_items)s + 1;

-- test: tenant A cannot move its ingredient_group_items row to tenant B
-- as: tenant_a | table: ingredient_group_items | action: move | expect: deny
UPDATE menuca_v3.ingredient_group_items SET ingredient_group_id = %(new_ingredient_groups)s + 2 WHERE id = %(new_ingredient_group_items)s + 1;

-- test: tenant B cannot insert a ingredient_group_items row for tenant A
-- as: tenant_b | table: ingredient_group_items | action: insert | expect: deny
INSERT INTO menuca_v3.ingredient_group_items (id, ingredient_group_id, ingredient_id) VALUES (%(new_ingredient_group_items)s + 100, %(new_ingredient_groups)s + 3, %(new_ingredients)s + 3);

-- test: tenant A inserts its own ingredient_group_items row
-- as: tenant_a | table: ingredient_group_items | action: insert | expect: allow
INSERT INTO menuca_v3.ingredient_group_items (id, ingredient_group_id, ingredient_id) VALUES (%(new_ingredient_group_items)s + 100, %(new_ingredient_groups)s + 3, %(new_ingredients)s + 3);

-- test: anon cannot insert a ingredient_group_items row
-- as: anon | table: ingredient_group_items | action: insert | expect: deny
INSERT INTO menuca_v3.ingredient_group_items (id, ingredient_group_id, ingredient_id) VALUES (%(new_ingredient_group_items)s + 100, %(new_ingredient_groups)s + 3, %(new_ingredients)s + 3);

-- test: a platform admin inserts a ingredient_group_items row for tenant A
-- as: admin | table: ingredient_group_items | action: insert | expect: allow
INSERT INTO menuca_v3.ingredient_group_items (id, ingredient_group_id, ingredient_id) VALUES (%(new_ingredient_group_items)s + 100, %(new_ingredient_groups)s + 3, %(new_ingredients)s + 3);

-- test: tenant B cannot delete tenant A's ingredient_group_items row
-- as: tenant_b | table: ingredient_group_items | action: delete | expect: deny
DELETE FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 1;

-- test: anon cannot delete tenant A's ingredient_group_items row
-- as: anon | table: ingredient_group_items | action: delete | expect: deny
DELETE FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 1;

-- test: tenant A deletes its own ingredient_group_items row
-- as: tenant_a | table: ingredient_group_items | action: delete | expect: allow
DELETE FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 1;

-- test: anon reads tenant A's public ingredient_group_items row (group active)
-- as: anon | table: ingredient_group_items | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 3;

-- test: tenant B reads tenant A's public ingredient_group_items row (group active)
-- as: tenant_b | table: ingredient_group_items | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 3;

-- test: tenant B cannot update tenant A's public ingredient_group_items row
-- as: tenant_b | table: ingredient_group_items | action: update | expect: deny
UPDATE menuca_v3.ingredient_group_items SET display_order = display_order + 1 WHERE id = %(new_ingredient_group_items)s + 3;

-- test: anon cannot read tenant B's hidden ingredient_group_items row
-- as: anon | table: ingredient_group_items | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 2;

-- combo_items ------------------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden combo_items row
-- as: tenant_b | table: combo_items | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 1;

-- test: anon cannot read tenant A's hidden combo_items row
-- as: anon | table: combo_items | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 1;

-- test: an end user cannot read tenant A's hidden combo_items row
-- as: end_user | table: combo_items | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 1;

-- test: tenant A reads its own hidden combo_items row
-- as: tenant_a | table: combo_items | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 1;

-- test: a platform admin reads tenant A's hidden combo_items row
-- as: admin | table: combo_items | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 1;

-- test: tenant A updates its own hidden combo_items row
-- as: tenant_a | table: combo_items | action: update | expect: allow
UPDATE menuca_v3.combo_items SET quantity = quantity + 1 WHERE id = %(new_combo_items)s + 1;

-- test: tenant B cannot update tenant A's hidden combo_items row
-- as: tenant_b | table: combo_items | action: update | expect: deny
UPDATE menuca_v3.combo_items SET quantity = quantity + 1 WHERE id = %(new_combo_items)s + 1;

-- test: anon cannot update tenant A's hidden combo_items row
-- as: anon | table: combo_items | action: update | expect: deny
UPDATE menuca_v3.combo_items SET quantity = quantity + 1 WHERE id = %(new_combo_items)s + 1;

-- test: a platform admin updates tenant A's combo_items row
-- as: admin | table: combo_items | action: update | expect: allow
UPDATE menuca_v3.combo_items SET quantity = quantity + 1 WHERE id = %(new_combo_items)s + 1;

-- test: tenant A cannot move its combo_items row to tenant B
-- as: tenant_a | table: combo_items | action: move | expect: deny
UPDATE menuca_v3.combo_items SET combo_group_id = %(new_combo_groups)s + 2 WHERE id = %(new_combo_items)s + 1;

-- test: tenant B cannot insert a combo_items row for tenant A
-- as: tenant_b | table: combo_items | action: insert | expect: deny
INSERT INTO menuca_v3.combo_items (id, combo_group_id, dish_id) VALUES (%(new_combo_items)s + 100, %(new_combo_groups)s + 3, %(new_dishes)s + 3);

-- test: tenant A inserts its own combo_items row
-- as: tenant_a | table: combo_items | action: insert | expect: allow
INSERT INTO menuca_v3.combo_items (id, combo_group_id, dish_id) VALUES (%(new_combo_items)s + 100, %(new_combo_groups)s + 3, %(new_dishes)s + 3);

-- test: anon cannot insert a combo_items row
-- as: anon | table: combo_items | action: insert | expect: deny
INSERT INTO menuca_v3.combo_items (id, combo_group_id, dish_id) VALUES (%(new_combo_items)s + 100, %(new_combo_groups)s + 3, %(new_dishes)s + 3);

-- test: a platform admin inserts a combo_items row for tenant A
-- as: admin | table: combo_items | action: insert | expect: allow
INSERT INTO menuca_v3.combo_items (id, combo_group_id, dish_id) VALUES (%(new_combo_items)s + 100, %(new_combo_groups)s + 3, %(new_dishes)s + 3);

-- test: tenant B cannot delete tenant A's combo_items row
-- as: tenant_b | table: combo_items | action: delete | expect: deny
DELETE FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 1;

-- test: anon cannot delete tenant A's combo_items row
-- as: anon | table: combo_items | action: delete | expect: deny
DELETE FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 1;

-- test: tenant A deletes its own combo_items row
-- as: tenant_a | table: combo_items | action: delete | expect: allow
DELETE FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 1;

-- test: anon reads tenant A's public combo_items row (group active)
-- as: anon | table: combo_items | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 3;

-- test: tenant B reads tenant A's public combo_items row (group active)
-- as: tenant_b | table: combo_items | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 3;

-- test: tenant B cannot update tenant A's public combo_items row
-- as: tenant_b | table: combo_items | action: update | expect: deny
UPDATE menuca_v3.combo_items SET quantity = quantity + 1 WHERE id = %(new_combo_items)s + 3;

-- test: anon cannot read tenant B's hidden combo_items row
-- as: anon | table: combo_items | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 2;

-- combo_group_modifier_pricing -------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden combo_group_modifier_pricing row
-- as: tenant_b | table: combo_group_modifier_pricing | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_group_modifier_pricing WHERE id = %(new_combo_group_modifier_pricing)s + 1;

-- test: anon cannot read tenant A's hidden combo_group_modifier_pricing row
-- as: anon | table: combo_group_modifier_pricing | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_group_modifier_pricing WHERE id = %(new_combo_group_modifier_pricing)s + 1;

-- test: tenant A reads its own hidden combo_group_modifier_pricing row
-- as: tenant_a | table: combo_group_modifier_pricing | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_group_modifier_pricing WHERE id = %(new_combo_group_modifier_pricing)s + 1;

-- test: a platform admin reads tenant A's hidden combo_group_modifier_pricing row
-- as: admin | table: combo_group_modifier_pricing | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_group_modifier_pricing WHERE id = %(new_combo_group_modifier_pricing)s + 1;

-- test: tenant A updates its own hidden combo_group_modifier_pricing row
-- as: tenant_a | table: combo_group_modifier_pricing | action: update | expect: allow
UPDATE menuca_v3.combo_group_modifier_pricing SET group_type = 'e' WHERE id = %(new_combo_group_modifier_pricing)s + 1;

-- test: tenant B cannot update tenant A's hidden combo_group_modifier_pricing row
-- as: tenant_b | table: combo_group_modifier_pricing | action: update | expect: deny
UPDATE menuca_v3.combo_group_modifier_pricing SET group_type = 'e' WHERE id = %(new_combo_group_modifier_pricing)s + 1;

-- test: tenant A cannot move its combo_group_modifier_pricing row to tenant B
-- as: tenant_a | table: combo_group_modifier_pricing | action: move | expect: deny
UPDATE menuca_v3.combo_group_modifier_pricing SET combo_group_id = %(new_combo_groups)s + 2 WHERE id = %(new_combo_group_modifier_pricing)s + 1;

-- test: tenant B cannot insert a combo_group_modifier_pricing row for tenant A
-- as: tenant_b | table: combo_group_modifier_pricing | action: insert | expect: deny
INSERT INTO menuca_v3.combo_group_modifier_pricing (id, combo_group_id, ingredient_group_id, pricing_rules) VALUES (%(new_combo_group_modifier_pricing)s + 100, %(new_combo_groups)s + 3, %(new_ingredient_groups)s + 3, '{}');

-- test: tenant A inserts its own combo_group_modifier_pricing row
-- as: tenant_a | table: combo_group_modifier_pricing | action: insert | expect: allow
INSERT INTO menuca_v3.combo_group_modifier_pricing (id, combo_group_id, ingredient_group_id, pricing_rules) VALUES (%(new_combo_group_modifier_pricing)s + 100, %(new_combo_groups)s + 3, %(new_ingredient_groups)s + 3, '{}');

-- test: tenant B cannot delete tenant A's combo_group_modifier_pricing row
-- as: tenant_b | table: combo_group_modifier_pricing | action: delete | expect: deny
DELETE FROM menuca_v3.combo_group_modifier_pricing WHERE id = %(new_combo_group_modifier_pricing)s + 1;

-- test: anon reads tenant A's public combo_group_modifier_pricing row (group active)
-- as: anon | table: combo_group_modifier_pricing | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_group_modifier_pricing WHERE id = %(new_combo_group_modifier_pricing)s + 3;

-- test: tenant B reads tenant A's public combo_group_modifier_pricing row (group active)
-- as: tenant_b | table: combo_group_modifier_pricing | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_group_modifier_pricing WHERE id = %(new_combo_group_modifier_pricing)s + 3;

-- test: tenant B cannot update tenant A's public combo_group_modifier_pricing row
-- as: tenant_b | table: combo_group_modifier_pricing | action: update | expect: deny
UPDATE menuca_v3.combo_group_modifier_pricing SET group_type = 'e' WHERE id = %(new_combo_group_modifier_pricing)s + 3;

-- test: anon cannot read tenant B's hidden combo_group_modifier_pricing row
-- as: anon | table: combo_group_modifier_pricing | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_group_modifier_pricing WHERE id = %(new_combo_group_modifier_pricing)s + 2;

-- combo_steps ------------------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden combo_steps row
-- as: tenant_b | table: combo_steps | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_steps WHERE id = %(new_combo_steps)s + 1;

-- test: anon cannot read tenant A's hidden combo_steps row
-- as: anon | table: combo_steps | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_steps WHERE id = %(new_combo_steps)s + 1;

-- test: tenant A reads its own hidden combo_steps row
-- as: tenant_a | table: combo_steps | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_steps WHERE id = %(new_combo_steps)s + 1;

-- test: a platform admin reads tenant A's hidden combo_steps row
-- as: admin | table: combo_steps | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_steps WHERE id = %(new_combo_steps)s + 1;

-- test: tenant A updates its own hidden combo_steps row
-- as: tenant_a | table: combo_steps | action: update | expect: allow
UPDATE menuca_v3.combo_steps SET step_number = step_number + 1 WHERE id = %(new_combo_steps)s + 1;

-- test: tenant B cannot update tenant A's hidden combo_steps row
-- as: tenant_b | table: combo_steps | action: update | expect: deny
UPDATE menuca_v3.combo_steps SET step_number = step_number + 1 WHERE id = %(new_combo_steps)s + 1;

-- test: tenant A cannot move its combo_steps row to tenant B
-- as: tenant_a | table: combo_steps | action: move | expect: deny
UPDATE menuca_v3.combo_steps SET combo_item_id = %(new_combo_items)s + 2 WHERE id = %(new_combo_steps)s + 1;

-- test: tenant B cannot insert a combo_steps row for tenant A
-- as: tenant_b | table: combo_steps | action: insert | expect: deny
INSERT INTO menuca_v3.combo_steps (id, combo_item_id, step_number) VALUES (%(new_combo_steps)s + 100, %(new_combo_items)s + 3, 2);

-- test: tenant A inserts its own combo_steps row
-- as: tenant_a | table: combo_steps | action: insert | expect: allow
INSERT INTO menuca_v3.combo_steps (id, combo_item_id, step_number) VALUES (%(new_combo_steps)s + 100, %(new_combo_items)s + 3, 2);

-- test: tenant B cannot delete tenant A's combo_steps row
-- as: tenant_b | table: combo_steps | action: delete | expect: deny
DELETE FROM menuca_v3.combo_steps WHERE id = %(new_combo_steps)s + 1;

-- test: anon reads tenant A's public combo_steps row (item's group active)
-- as: anon | table: combo_steps | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_steps WHERE id = %(new_combo_steps)s + 3;

-- test: tenant B reads tenant A's public combo_steps row (item's group active)
-- as: tenant_b | table: combo_steps | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.combo_steps WHERE id = %(new_combo_steps)s + 3;

-- test: tenant B cannot update tenant A's public combo_steps row
-- as: tenant_b | table: combo_steps | action: update | expect: deny
UPDATE menuca_v3.combo_steps SET step_number = step_number + 1 WHERE id = %(new_combo_steps)s + 3;

-- test: anon cannot read tenant B's hidden combo_steps row
-- as: anon | table: combo_steps | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.combo_steps WHERE id = %(new_combo_steps)s + 2;

-- restaurant_locations ---------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private restaurant_locations row
-- as: tenant_b | table: restaurant_locations | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_locations WHERE id = %(new_restaurant_locations)s + 1;

-- test: anon cannot read tenant A's private restaurant_locations row
-- as: anon | table: restaurant_locations | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_locations WHERE id = %(new_restaurant_locations)s + 1;

-- test: an end user cannot read tenant A's private restaurant_locations row
-- as: end_user | table: restaurant_locations | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_locations WHERE id = %(new_restaurant_locations)s + 1;

-- test: tenant A reads its own private restaurant_locations row
-- as: tenant_a | table: restaurant_locations | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_locations WHERE id = %(new_restaurant_locations)s + 1;

-- test: a platform admin reads tenant A's private restaurant_locations row
-- as: admin | table: restaurant_locations | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_locations WHERE id = %(new_restaurant_locations)s + 1;

-- test: tenant A updates its own private restaurant_locations row
-- as: tenant_a | table: restaurant_locations | action: update | expect: allow
UPDATE menuca_v3.restaurant_locations SET phone = '555-0199' WHERE id = %(new_restaurant_locations)s + 1;

-- test: tenant B cannot update tenant A's private restaurant_locations row
-- as: tenant_b | table: restaurant_locations | action: update | expect: deny
UPDATE menuca_v3.restaurant_locations SET phone = '555-0199' WHERE id = %(new_restaurant_locations)s + 1;

-- test: anon cannot update tenant A's private restaurant_locations row
-- as: anon | table: restaurant_locations | action: update | expect: deny
UPDATE menuca_v3.restaurant_locations SET phone = '555-0199' WHERE id = %(new_restaurant_locations)s + 1;

-- test: a platform admin updates tenant A's restaurant_locations row
-- as: admin | table: restaurant_locations | action: update | expect: allow
UPDATE menuca_v3.restaurant_locations SET phone = '555-0199' WHERE id = %(new_restaurant_locations)s + 1;

-- test: tenant A cannot move its restaurant_locations row to tenant B
-- as: tenant_a | table: restaurant_locations | action: move | expect: deny
UPDATE menuca_v3.restaurant_locations SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_locations)s + 1;

-- test: tenant B cannot insert a restaurant_locations row for tenant A
-- as: tenant_b | table: restaurant_locations | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_locations (id, restaurant_id, street_address) VALUES (%(new_restaurant_locations)s + 100, %(tenant_a)s, 'rls-matrix new street');

-- test: tenant A inserts its own restaurant_locations row
-- as: tenant_a | table: restaurant_locations | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_locations (id, restaurant_id, street_address) VALUES (%(new_restaurant_locations)s + 100, %(tenant_a)s, 'rls-matrix new street');

-- test: anon cannot insert a restaurant_locations row
-- as: anon | table: restaurant_locations | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_locations (id, restaurant_id, street_address) VALUES (%(new_restaurant_locations)s + 100, %(tenant_a)s, 'rls-matrix new street');

-- test: a platform admin inserts a restaurant_locations row for tenant A
-- as: admin | table: restaurant_locations | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_locations (id, restaurant_id, street_address) VALUES (%(new_restaurant_locations)s + 100, %(tenant_a)s, 'rls-matrix new street');

-- test: tenant B cannot delete tenant A's restaurant_locations row
-- as: tenant_b | table: restaurant_locations | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_locations WHERE id = %(new_restaurant_locations)s + 1;

-- test: anon cannot delete tenant A's restaurant_locations row
-- as: anon | table: restaurant_locations | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_locations WHERE id = %(new_restaurant_locations)s + 1;

-- test: tenant A deletes its own restaurant_locations row
-- as: tenant_a | table: restaurant_locations | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_locations WHERE id = %(new_restaurant_locations)s + 1;

-- restaurant_contacts ----------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private restaurant_contacts row
-- as: tenant_b | table: restaurant_contacts | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_contacts WHERE id = %(new_restaurant_contacts)s + 1;

-- test: anon cannot read tenant A's private restaurant_contacts row
-- as: anon | table: restaurant_contacts | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_contacts WHERE id = %(new_restaurant_contacts)s + 1;

-- test: tenant A reads its own private restaurant_contacts row
-- as: tenant_a | table: restaurant_contacts | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_contacts WHERE id = %(new_restaurant_contacts)s + 1;

-- test: a platform admin reads tenant A's private restaurant_contacts row
-- as: admin | table: restaurant_contacts | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_contacts WHERE id = %(new_restaurant_contacts)s + 1;

-- test: tenant A updates its own private restaurant_contacts row
-- as: tenant_a | table: restaurant_contacts | action: update | expect: allow
UPDATE menuca_v3.restaurant_contacts SET phone = '555-0199' WHERE id = %(new_restaurant_contacts)s + 1;

-- test: tenant B cannot update tenant A's private restaurant_contacts row
-- as: tenant_b | table: restaurant_contacts | action: update | expect: deny
UPDATE menuca_v3.restaurant_contacts SET phone = '555-0199' WHERE id = %(new_restaurant_contacts)s + 1;

-- test: tenant A cannot move its restaurant_contacts row to tenant B
-- as: tenant_a | table: restaurant_contacts | action: move | expect: deny
UPDATE menuca_v3.restaurant_contacts SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_contacts)s + 1;

-- test: tenant B cannot insert a restaurant_contacts row for tenant A
-- as: tenant_b | table: restaurant_contacts | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_contacts (id, restaurant_id, first_name) VALUES (%(new_restaurant_contacts)s + 100, %(tenant_a)s, 'rls-matrix new');

-- test: tenant A inserts its own restaurant_contacts row
-- as: tenant_a | table: restaurant_contacts | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_contacts (id, restaurant_id, first_name) VALUES (%(new_restaurant_contacts)s + 100, %(tenant_a)s, 'rls-matrix new');

-- test: tenant B cannot delete tenant A's restaurant_contacts row
-- as: tenant_b | table: restaurant_contacts | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_contacts WHERE id = %(new_restaurant_contacts)s + 1;

-- restaurant_admin_users -------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private restaurant_admin_users row
-- as: tenant_b | table: restaurant_admin_users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_admin_users WHERE id = %(new_restaurant_admin_users)s + 1;

-- test: anon cannot read tenant A's private restaurant_admin_users row
-- as: anon | table: restaurant_admin_users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_admin_users WHERE id = %(new_restaurant_admin_users)s + 1;

-- test: tenant A reads its own private restaurant_admin_users row
-- as: tenant_a | table: restaurant_admin_users | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_admin_users WHERE id = %(new_restaurant_admin_users)s + 1;

-- test: a platform admin reads tenant A's private restaurant_admin_users row
-- as: admin | table: restaurant_admin_users | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_admin_users WHERE id = %(new_restaurant_admin_users)s + 1;

-- test: tenant A updates its own private restaurant_admin_users row
-- as: tenant_a | table: restaurant_admin_users | action: update | expect: allow
UPDATE menuca_v3.restaurant_admin_users SET login_count = login_count + 1 WHERE id = %(new_restaurant_admin_users)s + 1;

-- test: tenant B cannot update tenant A's private restaurant_admin_users row
-- as: tenant_b | table: restaurant_admin_users | action: update | expect: deny
UPDATE menuca_v3.restaurant_admin_users SET login_count = login_count + 1 WHERE id = %(new_restaurant_admin_users)s + 1;

-- test: tenant A cannot move its restaurant_admin_users row to tenant B
-- as: tenant_a | table: restaurant_admin_users | action: move | expect: deny
UPDATE menuca_v3.restaurant_admin_users SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_admin_users)s + 1;

-- test: tenant B cannot insert a restaurant_admin_users row for tenant A
-- as: tenant_b | table: restaurant_admin_users | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_admin_users (id, restaurant_id, email) VALUES (%(new_restaurant_admin_users)s + 100, %(tenant_a)s, 'rls-matrix-new-staff@example.invalid');

-- test: tenant A inserts its own restaurant_admin_users row
-- as: tenant_a | table: restaurant_admin_users | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_admin_users (id, restaurant_id, email) VALUES (%(new_restaurant_admin_users)s + 100, %(tenant_a)s, 'rls-matrix-new-staff@example.invalid');

-- test: tenant B cannot delete tenant A's restaurant_admin_users row
-- as: tenant_b | table: restaurant_admin_users | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_admin_users WHERE id = %(new_restaurant_admin_users)s + 1;

-- restaurant_schedules ---------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden restaurant_schedules row
-- as: tenant_b | table: restaurant_schedules | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_schedules WHERE id = %(new_restaurant_schedules)s + 1;

-- test: anon cannot read tenant A's hidden restaurant_schedules row
-- as: anon | table: restaurant_schedules | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_schedules WHERE id = %(new_restaurant_schedules)s + 1;

-- test: tenant A reads its own hidden restaurant_schedules row
-- as: tenant_a | table: restaurant_schedules | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_schedules WHERE id = %(new_restaurant_schedules)s + 1;

-- test: a platform admin reads tenant A's hidden restaurant_schedules row
-- as: admin | table: restaurant_schedules | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_schedules WHERE id = %(new_restaurant_schedules)s + 1;

-- test: tenant A updates its own hidden restaurant_schedules row
-- as: tenant_a | table: restaurant_schedules | action: update | expect: allow
UPDATE menuca_v3.restaurant_schedules SET notes = 'rls-matrix edited' WHERE id = %(new_restaurant_schedules)s + 1;

-- test: tenant B cannot update tenant A's hidden restaurant_schedules row
-- as: tenant_b | table: restaurant_schedules | action: update | expect: deny
UPDATE menuca_v3.restaurant_schedules SET notes = 'rls-matrix edited' WHERE id = %(new_restaurant_schedules)s + 1;

-- test: tenant A cannot move its restaurant_schedules row to tenant B
-- as: tenant_a | table: restaurant_schedules | action: move | expect: deny
UPDATE menuca_v3.restaurant_schedules SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_schedules)s + 1;

-- test: tenant B cannot insert a restaurant_schedules row for tenant A
-- as: tenant_b | table: restaurant_schedules | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_schedules (id, restaurant_id, type, day_start, day_stop, time_start, time_stop) VALUES (%(new_restaurant_schedules)s + 100, %(tenant_a)s, 'takeout', 6, 7, '12:00', '20:00');

-- test: tenant A inserts its own restaurant_schedules row
-- as: tenant_a | table: restaurant_schedules | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_schedules (id, restaurant_id, type, day_start, day_stop, time_start, time_stop) VALUES (%(new_restaurant_schedules)s + 100, %(tenant_a)s, 'takeout', 6, 7, '12:00', '20:00');

-- test: tenant B cannot delete tenant A's restaurant_schedules row
-- as: tenant_b | table: restaurant_schedules | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_schedules WHERE id = %(new_restaurant_schedules)s + 1;

-- test: anon reads tenant A's public restaurant_schedules row (is_enabled)
-- as: anon | table: restaurant_schedules | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_schedules WHERE id = %(new_restaurant_schedules)s + 3;

-- test: tenant B reads tenant A's public restaurant_schedules row (is_enabled)
-- as: tenant_b | table: restaurant_schedules | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_schedules WHERE id = %(new_restaurant_schedules)s + 3;

-- test: tenant B cannot update tenant A's public restaurant_schedules row
-- as: tenant_b | table: restaurant_schedules | action: update | expect: deny
UPDATE menuca_v3.restaurant_schedules SET notes = 'rls-matrix edited' WHERE id = %(new_restaurant_schedules)s + 3;

-- test: anon cannot read tenant B's hidden restaurant_schedules row
-- as: anon | table: restaurant_schedules | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_schedules WHERE id = %(new_restaurant_schedules)s + 2;

-- restaurant_special_schedules -------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden restaurant_special_schedules row
-- as: tenant_b | table: restaurant_special_schedules | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_special_schedules WHERE id = %(new_restaurant_special_schedules)s + 1;

-- test: anon cannot read tenant A's hidden restaurant_special_schedules row
-- as: anon | table: restaurant_special_schedules | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_special_schedules WHERE id = %(new_restaurant_special_schedules)s + 1;

-- test: tenant A reads its own hidden restaurant_special_schedules row
-- as: tenant_a | table: restaurant_special_schedules | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_special_schedules WHERE id = %(new_restaurant_special_schedules)s + 1;

-- test: a platform admin reads tenant A's hidden restaurant_special_schedules row
-- as: admin | table: restaurant_special_schedules | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_special_schedules WHERE id = %(new_restaurant_special_schedules)s + 1;

-- test: tenant A updates its own hidden restaurant_special_schedules row
-- as: tenant_a | table: restaurant_special_schedules | action: update | expect: allow
UPDATE menuca_v3.restaurant_special_schedules SET reason = 'rls-matrix edited' WHERE id = %(new_restaurant_special_schedules)s + 1;

-- test: tenant B cannot update tenant A's hidden restaurant_special_schedules row
-- as: tenant_b | table: restaurant_special_schedules | action: update | expect: deny
UPDATE menuca_v3.restaurant_special_schedules SET reason = 'rls-matrix edited' WHERE id = %(new_restaurant_special_schedules)s + 1;

-- test: tenant A cannot move its restaurant_special_schedules row to tenant B
-- as: tenant_a | table: restaurant_special_schedules | action: move | expect: deny
UPDATE menuca_v3.restaurant_special_schedules SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_special_schedules)s + 1;

-- test: tenant B cannot insert a restaurant_special_schedules row for tenant A
-- as: tenant_b | table: restaurant_special_schedules | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_special_schedules (id, restaurant_id, schedule_type, date_start, date_stop) VALUES (%(new_restaurant_special_schedules)s + 100, %(tenant_a)s, 'closed', '2031-07-01', '2031-07-01');

-- test: tenant A inserts its own restaurant_special_schedules row
-- as: tenant_a | table: restaurant_special_schedules | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_special_schedules (id, restaurant_id, schedule_type, date_start, date_stop) VALUES (%(new_restaurant_special_schedules)s + 100, %(tenant_a)s, 'closed', '2031-07-01', '2031-07-01');

-- test: tenant B cannot delete tenant A's restaurant_special_schedules row
-- as: tenant_b | table: restaurant_special_schedules | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_special_schedules WHERE id = %(new_restaurant_special_schedules)s + 1;

-- test: anon reads tenant A's public restaurant_special_schedules row (is_active)
-- as: anon | table: restaurant_special_schedules | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_special_schedules WHERE id = %(new_restaurant_special_schedules)s + 3;

-- test: tenant B reads tenant A's public restaurant_special_schedules row (is_active)
-- as: tenant_b | table: restaurant_special_schedules | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_special_schedules WHERE id = %(new_restaurant_special_schedules)s + 3;

-- test: tenant B cannot update tenant A's public restaurant_special_schedules row
-- as: tenant_b | table: restaurant_special_schedules | action: update | expect: deny
UPDATE menuca_v3.restaurant_special_schedules SET reason = 'rls-matrix edited' WHERE id = %(new_restaurant_special_schedules)s + 3;

-- test: anon cannot read tenant B's hidden restaurant_special_schedules row
-- as: anon | table: restaurant_special_schedules | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_special_schedules WHERE id = %(new_restaurant_special_schedules)s + 2;

-- restaurant_service_configs ---------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private restaurant_service_configs row
-- as: tenant_b | table: restaurant_service_configs | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_service_configs WHERE id = %(new_restaurant_service_configs)s + 1;

-- test: anon cannot read tenant A's private restaurant_service_configs row
-- as: anon | table: restaurant_service_configs | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_service_configs WHERE id = %(new_restaurant_service_configs)s + 1;

-- test: tenant A reads its own private restaurant_service_configs row
-- as: tenant_a | table: restaurant_service_configs | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_service_configs WHERE id = %(new_restaurant_service_configs)s + 1;

-- test: a platform admin reads tenant A's private restaurant_service_configs row
-- as: admin | table: restaurant_service_configs | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_service_configs WHERE id = %(new_restaurant_service_configs)s + 1;

-- test: tenant A updates its own private restaurant_service_configs row
-- as: tenant_a | table: restaurant_service_configs | action: update | expect: allow
UPDATE menuca_v3.restaurant_service_configs SET takeout_enabled = NOT takeout_enabled WHERE id = %(new_restaurant_service_configs)s + 1;

-- test: tenant B cannot update tenant A's private restaurant_service_configs row
-- as: tenant_b | table: restaurant_service_configs | action: update | expect: deny
UPDATE menuca_v3.restaurant_service_configs SET takeout_enabled = NOT takeout_enabled WHERE id = %(new_restaurant_service_configs)s + 1;

-- test: tenant A cannot move its restaurant_service_configs row to tenant B
-- as: tenant_a | table: restaurant_service_configs | action: move | expect: deny
UPDATE menuca_v3.restaurant_service_configs SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_service_configs)s + 1;

-- test: tenant B cannot insert a restaurant_service_configs row for tenant A
-- as: tenant_b | table: restaurant_service_configs | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_service_configs (id, restaurant_id) VALUES (%(new_restaurant_service_configs)s + 100, %(tenant_a)s);

-- test: tenant A inserts its own restaurant_service_configs row
-- as: tenant_a | table: restaurant_service_configs | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_service_configs (id, restaurant_id) VALUES (%(new_restaurant_service_configs)s + 100, %(tenant_a)s);

-- test: tenant B cannot delete tenant A's restaurant_service_configs row
-- as: tenant_b | table: restaurant_service_configs | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_service_configs WHERE id = %(new_restaurant_service_configs)s + 1;

-- restaurant_time_periods ------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private restaurant_time_periods row
-- as: tenant_b | table: restaurant_time_periods | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_time_periods WHERE id = %(new_restaurant_time_periods)s + 1;

-- test: anon cannot read tenant A's private restaurant_time_periods row
-- as: anon | table: restaurant_time_periods | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_time_periods WHERE id = %(new_restaurant_time_periods)s + 1;

-- test: tenant A reads its own private restaurant_time_periods row
-- as: tenant_a | table: restaurant_time_periods | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_time_periods WHERE id = %(new_restaurant_time_periods)s + 1;

-- test: a platform admin reads tenant A's private restaurant_time_periods row
-- as: admin | table: restaurant_time_periods | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_time_periods WHERE id = %(new_restaurant_time_periods)s + 1;

-- test: tenant A updates its own private restaurant_time_periods row
-- as: tenant_a | table: restaurant_time_periods | action: update | expect: allow
UPDATE menuca_v3.restaurant_time_periods SET display_order = display_order + 1 WHERE id = %(new_restaurant_time_periods)s + 1;

-- test: tenant B cannot update tenant A's private restaurant_time_periods row
-- as: tenant_b | table: restaurant_time_periods | action: update | expect: deny
UPDATE menuca_v3.restaurant_time_periods SET display_order = display_order + 1 WHERE id = %(new_restaurant_time_periods)s + 1;

-- test: tenant A cannot move its restaurant_time_periods row to tenant B
-- as: tenant_a | table: restaurant_time_periods | action: move | expect: deny
UPDATE menuca_v3.restaurant_time_periods SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_time_periods)s + 1;

-- test: tenant B cannot insert a restaurant_time_periods row for tenant A
-- as: tenant_b | table: restaurant_time_periods | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_time_periods (id, restaurant_id, name, time_start, time_stop) VALUES (%(new_restaurant_time_periods)s + 100, %(tenant_a)s, 'rls-matrix dinner', '17:00', '21:00');

-- test: tenant A inserts its own restaurant_time_periods row
-- as: tenant_a | table: restaurant_time_periods | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_time_periods (id, restaurant_id, name, time_start, time_stop) VALUES (%(new_restaurant_time_periods)s + 100, %(tenant_a)s, 'rls-matrix dinner', '17:00', '21:00');

-- test: tenant B cannot delete tenant A's restaurant_time_periods row
-- as: tenant_b | table: restaurant_time_periods | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_time_periods WHERE id = %(new_restaurant_time_periods)s + 1;

-- restaurant_domains -----------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private restaurant_domains row
-- as: tenant_b | table: restaurant_domains | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_domains WHERE id = %(new_restaurant_domains)s + 1;

-- test: anon cannot read tenant A's private restaurant_domains row
-- as: anon | table: restaurant_domains | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_domains WHERE id = %(new_restaurant_domains)s + 1;

-- test: tenant A reads its own private restaurant_domains row
-- as: tenant_a | table: restaurant_domains | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_domains WHERE id = %(new_restaurant_domains)s + 1;

-- test: a platform admin reads tenant A's private restaurant_domains row
-- as: admin | table: restaurant_domains | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_domains WHERE id = %(new_restaurant_domains)s + 1;

-- test: tenant A updates its own private restaurant_domains row
-- as: tenant_a | table: restaurant_domains | action: update | expect: allow
UPDATE menuca_v3.restaurant_domains SET is_enabled = NOT is_enabled WHERE id = %(new_restaurant_domains)s + 1;

-- test: tenant B cannot update tenant A's private restaurant_domains row
-- as: tenant_b | table: restaurant_domains | action: update | expect: deny
UPDATE menuca_v3.restaurant_domains SET is_enabled = NOT is_enabled WHERE id = %(new_restaurant_domains)s + 1;

-- test: tenant A cannot move its restaurant_domains row to tenant B
-- as: tenant_a | table: restaurant_domains | action: move | expect: deny
UPDATE menuca_v3.restaurant_domains SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_domains)s + 1;

-- test: tenant B cannot insert a restaurant_domains row for tenant A
-- as: tenant_b | table: restaurant_domains | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_domains (id, restaurant_id, domain) VALUES (%(new_restaurant_domains)s + 100, %(tenant_a)s, 'rls-matrix-new.example.invalid');

-- test: tenant A inserts its own restaurant_domains row
-- as: tenant_a | table: restaurant_domains | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_domains (id, restaurant_id, domain) VALUES (%(new_restaurant_domains)s + 100, %(tenant_a)s, 'rls-matrix-new.example.invalid');

-- test: tenant B cannot delete tenant A's restaurant_domains row
-- as: tenant_b | table: restaurant_domains | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_domains WHERE id = %(new_restaurant_domains)s + 1;

-- devices ----------------------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private devices row
-- as: tenant_b | table: devices | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.devices WHERE id = %(new_devices)s + 1;

-- test: anon cannot read tenant A's private devices row
-- as: anon | table: devices | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.devices WHERE id = %(new_devices)s + 1;

-- test: tenant A reads its own private devices row
-- as: tenant_a | table: devices | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.devices WHERE id = %(new_devices)s + 1;

-- test: a platform admin reads tenant A's private devices row
-- as: admin | table: devices | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.devices WHERE id = %(new_devices)s + 1;

-- test: tenant A updates its own private devices row
-- as: tenant_a | table: devices | action: update | expect: allow
UPDATE menuca_v3.devices SET device_name = 'rls-matrix edited' WHERE id = %(new_devices)s + 1;

-- test: tenant B cannot update tenant A's private devices row
-- as: tenant_b | table: devices | action: update | expect: deny
UPDATE menuca_v3.devices SET device_name = 'rls-matrix edited' WHERE id = %(new_devices)s + 1;

-- test: tenant A cannot move its devices row to tenant B
-- as: tenant_a | table: devices | action: move | expect: deny
UPDATE menuca_v3.devices SET restaurant_id = %(tenant_b)s WHERE id = %(new_devices)s + 1;

-- test: tenant B cannot insert a devices row for tenant A
-- as: tenant_b | table: devices | action: insert | expect: deny
INSERT INTO menuca_v3.devices (id, restaurant_id, device_uuid) VALUES (%(new_devices)s + 100, %(tenant_a)s, md5('rls-matrix new device')::uuid);

-- test: tenant A inserts its own devices row
-- as: tenant_a | table: devices | action: insert | expect: allow
INSERT INTO menuca_v3.devices (id, restaurant_id, device_uuid) VALUES (%(new_devices)s + 100, %(tenant_a)s, md5('rls-matrix new device')::uuid);

-- test: tenant B cannot delete tenant A's devices row
-- as: tenant_b | table: devices | action: delete | expect: deny
DELETE FROM menuca_v3.devices WHERE id = %(new_devices)s + 1;

-- restaurant_delivery_companies ------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private restaurant_delivery_companies row
-- as: tenant_b | table: restaurant_delivery_companies | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_companies WHERE id = %(new_restaurant_delivery_companies)s + 1;

-- test: anon cannot read tenant A's private restaurant_delivery_companies row
-- as: anon | table: restaurant_delivery_companies | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_companies WHERE id = %(new_restaurant_delivery_companies)s + 1;

-- test: tenant A reads its own private restaurant_delivery_companies row
-- as: tenant_a | table: restaurant_delivery_companies | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_companies WHERE id = %(new_restaurant_delivery_companies)s + 1;

-- test: a platform admin reads tenant A's private restaurant_delivery_companies row
-- as: admin | table: restaurant_delivery_companies | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_companies WHERE id = %(new_restaurant_delivery_companies)s + 1;

-- test: tenant A updates its own private restaurant_delivery_companies row
-- as: tenant_a | table: restaurant_delivery_companies | action: update | expect: allow
UPDATE menuca_v3.restaurant_delivery_companies SET send_to_delivery = NOT send_to_delivery WHERE id = %(new_restaurant_delivery_companies)s + 1;

-- test: tenant B cannot update tenant A's private restaurant_delivery_companies row
-- as: tenant_b | table: restaurant_delivery_companies | action: update | expect: deny
UPDATE menuca_v3.restaurant_delivery_companies SET send_to_delivery = NOT send_to_delivery WHERE id = %(new_restaurant_delivery_companies)s + 1;

-- test: tenant A cannot move its restaurant_delivery_companies row to tenant B
-- as: tenant_a | table: restaurant_delivery_companies | action: move | expect: deny
UPDATE menuca_v3.restaurant_delivery_companies SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_delivery_companies)s + 1;

-- test: tenant B cannot insert a restaurant_delivery_companies row for tenant A
-- as: tenant_b | table: restaurant_delivery_companies | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_delivery_companies (id, restaurant_id, company_email_id) VALUES (%(new_restaurant_delivery_companies)s + 100, %(tenant_a)s, %(new_delivery_company_emails)s + 1);

-- test: tenant A inserts its own restaurant_delivery_companies row
-- as: tenant_a | table: restaurant_delivery_companies | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_delivery_companies (id, restaurant_id, company_email_id) VALUES (%(new_restaurant_delivery_companies)s + 100, %(tenant_a)s, %(new_delivery_company_emails)s + 1);

-- test: tenant B cannot delete tenant A's restaurant_delivery_companies row
-- as: tenant_b | table: restaurant_delivery_companies | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_delivery_companies WHERE id = %(new_restaurant_delivery_companies)s + 1;

-- restaurant_delivery_fees -----------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private restaurant_delivery_fees row
-- as: tenant_b | table: restaurant_delivery_fees | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_fees WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: anon cannot read tenant A's private restaurant_delivery_fees row
-- as: anon | table: restaurant_delivery_fees | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_fees WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: an end user cannot read tenant A's private restaurant_delivery_fees row
-- as: end_user | table: restaurant_delivery_fees | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_fees WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: tenant A reads its own private restaurant_delivery_fees row
-- as: tenant_a | table: restaurant_delivery_fees | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_fees WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: a platform admin reads tenant A's private restaurant_delivery_fees row
-- as: admin | table: restaurant_delivery_fees | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_fees WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: tenant A updates its own private restaurant_delivery_fees row
-- as: tenant_a | table: restaurant_delivery_fees | action: update | expect: allow
UPDATE menuca_v3.restaurant_delivery_fees SET total_delivery_fee = total_delivery_fee + 1 WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: tenant B cannot update tenant A's private restaurant_delivery_fees row
-- as: tenant_b | table: restaurant_delivery_fees | action: update | expect: deny
UPDATE menuca_v3.restaurant_delivery_fees SET total_delivery_fee = total_delivery_fee + 1 WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: anon cannot update tenant A's private restaurant_delivery_fees row
-- as: anon | table: restaurant_delivery_fees | action: update | expect: deny
UPDATE menuca_v3.restaurant_delivery_fees SET total_delivery_fee = total_delivery_fee + 1 WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: a platform admin updates tenant A's restaurant_delivery_fees row
-- as: admin | table: restaurant_delivery_fees | action: update | expect: allow
UPDATE menuca_v3.restaurant_delivery_fees SET total_delivery_fee = total_delivery_fee + 1 WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: tenant A cannot move its restaurant_delivery_fees row to tenant B
-- as: tenant_a | table: restaurant_delivery_fees | action: move | expect: deny
UPDATE menuca_v3.restaurant_delivery_fees SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: tenant B cannot insert a restaurant_delivery_fees row for tenant A
-- as: tenant_b | table: restaurant_delivery_fees | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_delivery_fees (id, restaurant_id, fee_type, tier_value, total_delivery_fee) VALUES (%(new_restaurant_delivery_fees)s + 100, %(tenant_a)s, 'area', 1, 2.99);

-- test: tenant A inserts its own restaurant_delivery_fees row
-- as: tenant_a | table: restaurant_delivery_fees | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_delivery_fees (id, restaurant_id, fee_type, tier_value, total_delivery_fee) VALUES (%(new_restaurant_delivery_fees)s + 100, %(tenant_a)s, 'area', 1, 2.99);

-- test: anon cannot insert a restaurant_delivery_fees row
-- as: anon | table: restaurant_delivery_fees | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_delivery_fees (id, restaurant_id, fee_type, tier_value, total_delivery_fee) VALUES (%(new_restaurant_delivery_fees)s + 100, %(tenant_a)s, 'area', 1, 2.99);

-- test: a platform admin inserts a restaurant_delivery_fees row for tenant A
-- as: admin | table: restaurant_delivery_fees | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_delivery_fees (id, restaurant_id, fee_type, tier_value, total_delivery_fee) VALUES (%(new_restaurant_delivery_fees)s + 100, %(tenant_a)s, 'area', 1, 2.99);

-- test: tenant B cannot delete tenant A's restaurant_delivery_fees row
-- as: tenant_b | table: restaurant_delivery_fees | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_delivery_fees WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: anon cannot delete tenant A's restaurant_delivery_fees row
-- as: anon | table: restaurant_delivery_fees | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_delivery_fees WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- test: tenant A deletes its own restaurant_delivery_fees row
-- as: tenant_a | table: restaurant_delivery_fees | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_delivery_fees WHERE id = %(new_restaurant_delivery_fees)s + 1;

-- restaurant_delivery_config ---------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private restaurant_delivery_config row
-- as: tenant_b | table: restaurant_delivery_config | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_config WHERE id = %(new_restaurant_delivery_config)s + 1;

-- test: anon cannot read tenant A's private restaurant_delivery_config row
-- as: anon | table: restaurant_delivery_config | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_config WHERE id = %(new_restaurant_delivery_config)s + 1;

-- test: tenant A reads its own private restaurant_delivery_config row
-- as: tenant_a | table: restaurant_delivery_config | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_config WHERE id = %(new_restaurant_delivery_config)s + 1;

-- test: a platform admin reads tenant A's private restaurant_delivery_config row
-- as: admin | table: restaurant_delivery_config | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_config WHERE id = %(new_restaurant_delivery_config)s + 1;

-- test: tenant A updates its own private restaurant_delivery_config row
-- as: tenant_a | table: restaurant_delivery_config | action: update | expect: allow
UPDATE menuca_v3.restaurant_delivery_config SET min_order = 15 WHERE id = %(new_restaurant_delivery_config)s + 1;

-- test: tenant B cannot update tenant A's private restaurant_delivery_config row
-- as: tenant_b | table: restaurant_delivery_config | action: update | expect: deny
UPDATE menuca_v3.restaurant_delivery_config SET min_order = 15 WHERE id = %(new_restaurant_delivery_config)s + 1;

-- test: tenant A cannot move its restaurant_delivery_config row to tenant B
-- as: tenant_a | table: restaurant_delivery_config | action: move | expect: deny
UPDATE menuca_v3.restaurant_delivery_config SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_delivery_config)s + 1;

-- test: tenant B cannot insert a restaurant_delivery_config row for tenant A
-- as: tenant_b | table: restaurant_delivery_config | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_delivery_config (id, restaurant_id) VALUES (%(new_restaurant_delivery_config)s + 100, %(tenant_a)s);

-- test: tenant A inserts its own restaurant_delivery_config row
-- as: tenant_a | table: restaurant_delivery_config | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_delivery_config (id, restaurant_id) VALUES (%(new_restaurant_delivery_config)s + 100, %(tenant_a)s);

-- test: tenant B cannot delete tenant A's restaurant_delivery_config row
-- as: tenant_b | table: restaurant_delivery_config | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_delivery_config WHERE id = %(new_restaurant_delivery_config)s + 1;

-- restaurant_delivery_areas ----------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden restaurant_delivery_areas row
-- as: tenant_b | table: restaurant_delivery_areas | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_areas WHERE id = %(new_restaurant_delivery_areas)s + 1;

-- test: anon cannot read tenant A's hidden restaurant_delivery_areas row
-- as: anon | table: restaurant_delivery_areas | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_areas WHERE id = %(new_restaurant_delivery_areas)s + 1;

-- test: tenant A reads its own hidden restaurant_delivery_areas row
-- as: tenant_a | table: restaurant_delivery_areas | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_areas WHERE id = %(new_restaurant_delivery_areas)s + 1;

-- test: a platform admin reads tenant A's hidden restaurant_delivery_areas row
-- as: admin | table: restaurant_delivery_areas | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_areas WHERE id = %(new_restaurant_delivery_areas)s + 1;

-- test: tenant A updates its own hidden restaurant_delivery_areas row
-- as: tenant_a | table: restaurant_delivery_areas | action: update | expect: allow
UPDATE menuca_v3.restaurant_delivery_areas SET delivery_fee = 5 WHERE id = %(new_restaurant_delivery_areas)s + 1;

-- test: tenant B cannot update tenant A's hidden restaurant_delivery_areas row
-- as: tenant_b | table: restaurant_delivery_areas | action: update | expect: deny
UPDATE menuca_v3.restaurant_delivery_areas SET delivery_fee = 5 WHERE id = %(new_restaurant_delivery_areas)s + 1;

-- test: tenant A cannot move its restaurant_delivery_areas row to tenant B
-- as: tenant_a | table: restaurant_delivery_areas | action: move | expect: deny
UPDATE menuca_v3.restaurant_delivery_areas SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_delivery_areas)s + 1;

-- test: tenant B cannot insert a restaurant_delivery_areas row for tenant A
-- as: tenant_b | table: restaurant_delivery_areas | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_delivery_areas (id, restaurant_id, area_number) VALUES (%(new_restaurant_delivery_areas)s + 100, %(tenant_a)s, 99);

-- test: tenant A inserts its own restaurant_delivery_areas row
-- as: tenant_a | table: restaurant_delivery_areas | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_delivery_areas (id, restaurant_id, area_number) VALUES (%(new_restaurant_delivery_areas)s + 100, %(tenant_a)s, 99);

-- test: tenant B cannot delete tenant A's restaurant_delivery_areas row
-- as: tenant_b | table: restaurant_delivery_areas | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_delivery_areas WHERE id = %(new_restaurant_delivery_areas)s + 1;

-- test: anon reads tenant A's public restaurant_delivery_areas row (is_active)
-- as: anon | table: restaurant_delivery_areas | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_areas WHERE id = %(new_restaurant_delivery_areas)s + 3;

-- test: tenant B reads tenant A's public restaurant_delivery_areas row (is_active)
-- as: tenant_b | table: restaurant_delivery_areas | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_areas WHERE id = %(new_restaurant_delivery_areas)s + 3;

-- test: tenant B cannot update tenant A's public restaurant_delivery_areas row
-- as: tenant_b | table: restaurant_delivery_areas | action: update | expect: deny
UPDATE menuca_v3.restaurant_delivery_areas SET delivery_fee = 5 WHERE id = %(new_restaurant_delivery_areas)s + 3;

-- test: anon cannot read tenant B's hidden restaurant_delivery_areas row
-- as: anon | table: restaurant_delivery_areas | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_delivery_areas WHERE id = %(new_restaurant_delivery_areas)s + 2;

-- restaurant_partner_schedules -------------------------------------------------------------------
-- test: tenant B cannot read tenant A's private restaurant_partner_schedules row
-- as: tenant_b | table: restaurant_partner_schedules | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_partner_schedules WHERE id = %(new_restaurant_partner_schedules)s + 1;

-- test: anon cannot read tenant A's private restaurant_partner_schedules row
-- as: anon | table: restaurant_partner_schedules | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.restaurant_partner_schedules WHERE id = %(new_restaurant_partner_schedules)s + 1;

-- test: tenant A reads its own private restaurant_partner_schedules row
-- as: tenant_a | table: restaurant_partner_schedules | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_partner_schedules WHERE id = %(new_restaurant_partner_schedules)s + 1;

-- test: a platform admin reads tenant A's private restaurant_partner_schedules row
-- as: admin | table: restaurant_partner_schedules | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_partner_schedules WHERE id = %(new_restaurant_partner_schedules)s + 1;

-- test: tenant A updates its own private restaurant_partner_schedules row
-- as: tenant_a | table: restaurant_partner_schedules | action: update | expect: allow
UPDATE menuca_v3.restaurant_partner_schedules SET is_enabled = NOT is_enabled WHERE id = %(new_restaurant_partner_schedules)s + 1;

-- test: tenant B cannot update tenant A's private restaurant_partner_schedules row
-- as: tenant_b | table: restaurant_partner_schedules | action: update | expect: deny
UPDATE menuca_v3.restaurant_partner_schedules SET is_enabled = NOT is_enabled WHERE id = %(new_restaurant_partner_schedules)s + 1;

-- test: tenant A cannot move its restaurant_partner_schedules row to tenant B
-- as: tenant_a | table: restaurant_partner_schedules | action: move | expect: deny
UPDATE menuca_v3.restaurant_partner_schedules SET restaurant_id = %(tenant_b)s WHERE id = %(new_restaurant_partner_schedules)s + 1;

-- test: tenant B cannot insert a restaurant_partner_schedules row for tenant A
-- as: tenant_b | table: restaurant_partner_schedules | action: insert | expect: deny
INSERT INTO menuca_v3.restaurant_partner_schedules (id, restaurant_id, partner, day_start, day_stop, time_start, time_stop) VALUES (%(new_restaurant_partner_schedules)s + 100, %(tenant_a)s, 'rls-matrix new', 1, 5, '10:00', '20:00');

-- test: tenant A inserts its own restaurant_partner_schedules row
-- as: tenant_a | table: restaurant_partner_schedules | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_partner_schedules (id, restaurant_id, partner, day_start, day_stop, time_start, time_stop) VALUES (%(new_restaurant_partner_schedules)s + 100, %(tenant_a)s, 'rls-matrix new', 1, 5, '10:00', '20:00');

-- test: tenant B cannot delete tenant A's restaurant_partner_schedules row
-- as: tenant_b | table: restaurant_partner_schedules | action: delete | expect: deny
DELETE FROM menuca_v3.restaurant_partner_schedules WHERE id = %(new_restaurant_partner_schedules)s + 1;

-- promotional_deals ------------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden promotional_deals row
-- as: tenant_b | table: promotional_deals | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.promotional_deals WHERE id = %(new_promotional_deals)s + 1;

-- test: anon cannot read tenant A's hidden promotional_deals row
-- as: anon | table: promotional_deals | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.promotional_deals WHERE id = %(new_promotional_deals)s + 1;

-- test: tenant A reads its own hidden promotional_deals row
-- as: tenant_a | table: promotional_deals | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.promotional_deals WHERE id = %(new_promotional_deals)s + 1;

-- test: a platform admin reads tenant A's hidden promotional_deals row
-- as: admin | table: promotional_deals | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.promotional_deals WHERE id = %(new_promotional_deals)s + 1;

-- test: tenant A updates its own hidden promotional_deals row
-- as: tenant_a | table: promotional_deals | action: update | expect: allow
UPDATE menuca_v3.promotional_deals SET minimum_purchase = 20 WHERE id = %(new_promotional_deals)s + 1;

-- test: tenant B cannot update tenant A's hidden promotional_deals row
-- as: tenant_b | table: promotional_deals | action: update | expect: deny
UPDATE menuca_v3.promotional_deals SET minimum_purchase = 20 WHERE id = %(new_promotional_deals)s + 1;

-- test: tenant A cannot move its promotional_deals row to tenant B
-- as: tenant_a | table: promotional_deals | action: move | expect: deny
UPDATE menuca_v3.promotional_deals SET restaurant_id = %(tenant_b)s WHERE id = %(new_promotional_deals)s + 1;

-- test: tenant B cannot insert a promotional_deals row for tenant A
-- as: tenant_b | table: promotional_deals | action: insert | expect: deny
INSERT INTO menuca_v3.promotional_deals (id, restaurant_id, name, deal_type) VALUES (%(new_promotional_deals)s + 100, %(tenant_a)s, 'rls-matrix new deal', 'bogo');

-- test: tenant A inserts its own promotional_deals row
-- as: tenant_a | table: promotional_deals | action: insert | expect: allow
INSERT INTO menuca_v3.promotional_deals (id, restaurant_id, name, deal_type) VALUES (%(new_promotional_deals)s + 100, %(tenant_a)s, 'rls-matrix new deal', 'bogo');

-- test: tenant B cannot delete tenant A's promotional_deals row
-- as: tenant_b | table: promotional_deals | action: delete | expect: deny
DELETE FROM menuca_v3.promotional_deals WHERE id = %(new_promotional_deals)s + 1;

-- test: anon reads tenant A's public promotional_deals row (enabled and current)
-- as: anon | table: promotional_deals | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.promotional_deals WHERE id = %(new_promotional_deals)s + 3;

-- test: tenant B reads tenant A's public promotional_deals row (enabled and current)
-- as: tenant_b | table: promotional_deals | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.promotional_deals WHERE id = %(new_promotional_deals)s + 3;

-- test: tenant B cannot update tenant A's public promotional_deals row
-- as: tenant_b | table: promotional_deals | action: update | expect: deny
UPDATE menuca_v3.promotional_deals SET minimum_purchase = 20 WHERE id = %(new_promotional_deals)s + 3;

-- test: anon cannot read tenant B's hidden promotional_deals row
-- as: anon | table: promotional_deals | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.promotional_deals WHERE id = %(new_promotional_deals)s + 2;

-- promotional_coupons ----------------------------------------------------------------------------
-- test: tenant B cannot read tenant A's hidden promotional_coupons row
-- as: tenant_b | table: promotional_coupons | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.promotional_coupons WHERE id = %(new_promotional_coupons)s + 1;

-- test: anon cannot read tenant A's hidden promotional_coupons row
-- as: anon | table: promotional_coupons | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.promotional_coupons WHERE id = %(new_promotional_coupons)s + 1;

-- test: tenant A reads its own hidden promotional_coupons row
-- as: tenant_a | table: promotional_coupons | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.promotional_coupons WHERE id = %(new_promotional_coupons)s + 1;

-- test: a platform admin reads tenant A's hidden promotional_coupons row
-- as: admin | table: promotional_coupons | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.promotional_coupons WHERE id = %(new_promotional_coupons)s + 1;

-- test: tenant A updates its own hidden promotional_coupons row
-- as: tenant_a | table: promotional_coupons | action: update | expect: allow
UPDATE menuca_v3.promotional_coupons SET minimum_purchase = 20 WHERE id = %(new_promotional_coupons)s + 1;

-- test: tenant B cannot update tenant A's hidden promotional_coupons row
-- as: tenant_b | table: promotional_coupons | action: update | expect: deny
UPDATE menuca_v3.promotional_coupons SET minimum_purchase = 20 WHERE id = %(new_promotional_coupons)s + 1;

-- test: tenant A cannot move its promotional_coupons row to tenant B
-- as: tenant_a | table: promotional_coupons | action: move | expect: deny
UPDATE menuca_v3.promotional_coupons SET restaurant_id = %(tenant_b)s WHERE id = %(new_promotional_coupons)s + 1;

-- test: tenant B cannot insert a promotional_coupons row for tenant A
-- as: tenant_b | table: promotional_coupons | action: insert | expect: deny
INSERT INTO menuca_v3.promotional_coupons (id, restaurant_id, code, discount_type, discount_amount) VALUES (%(new_promotional_coupons)s + 100, %(tenant_a)s, 'RLS-MATRIX-NEW', 'amount', 3);

-- test: tenant A inserts its own promotional_coupons row
-- as: tenant_a | table: promotional_coupons | action: insert | expect: allow
INSERT INTO menuca_v3.promotional_coupons (id, restaurant_id, code, discount_type, discount_amount) VALUES (%(new_promotional_coupons)s + 100, %(tenant_a)s, 'RLS-MATRIX-NEW', 'amount', 3);

-- test: tenant B cannot delete tenant A's promotional_coupons row
-- as: tenant_b | table: promotional_coupons | action: delete | expect: deny
DELETE FROM menuca_v3.promotional_coupons WHERE id = %(new_promotional_coupons)s + 1;

-- test: anon reads tenant A's public promotional_coupons row (active and unused)
-- as: anon | table: promotional_coupons | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.promotional_coupons WHERE id = %(new_promotional_coupons)s + 3;

-- test: tenant B reads tenant A's public promotional_coupons row (active and unused)
-- as: tenant_b | table: promotional_coupons | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.promotional_coupons WHERE id = %(new_promotional_coupons)s + 3;

-- test: tenant B cannot update tenant A's public promotional_coupons row
-- as: tenant_b | table: promotional_coupons | action: update | expect: deny
UPDATE menuca_v3.promotional_coupons SET minimum_purchase = 20 WHERE id = %(new_promotional_coupons)s + 3;

-- test: anon cannot read tenant B's hidden promotional_coupons row
-- as: anon | table: promotional_coupons | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.promotional_coupons WHERE id = %(new_promotional_coupons)s + 2;

-- users ------------------------------------------------------------------------------------------
-- test: an end user reads their own users row
-- as: end_user | table: users | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.users WHERE id = %(end_user_id)s;

-- test: an end user cannot read another user's row
-- as: end_user | table: users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.users WHERE id = %(new_users)s + 1;

-- test: an end user sees no user but themself
-- as: end_user | table: users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.users WHERE id <> %(end_user_id)s;

-- test: an end user updates their own row
-- as: end_user | table: users | action: update | expect: allow
UPDATE menuca_v3.users SET first_name = 'rls-matrix' WHERE id = %(end_user_id)s;

-- test: an end user cannot re-link their row to another auth identity
-- as: end_user | table: users | action: move | expect: deny
UPDATE menuca_v3.users SET auth_user_id = md5('rls-matrix stolen identity')::uuid WHERE id = %(end_user_id)s;

-- test: an end user cannot update another user
-- as: end_user | table: users | action: update | expect: deny
UPDATE menuca_v3.users SET first_name = 'rls-matrix' WHERE id = %(new_users)s + 1;

-- test: an end user cannot delete another user
-- as: end_user | table: users | action: delete | expect: deny
DELETE FROM menuca_v3.users WHERE id = %(new_users)s + 1;

-- test: an end user cannot create an account for another auth identity
-- as: end_user | table: users | action: insert | expect: deny
INSERT INTO menuca_v3.users (id, email, auth_user_id)
VALUES (%(new_users)s + 100, 'rls-matrix-new@example.invalid', md5('rls-matrix someone else')::uuid);

-- test: tenant A cannot read an end user
-- as: tenant_a | table: users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.users WHERE id = %(end_user_id)s;

-- test: anon cannot read users
-- as: anon | table: users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.users WHERE id = %(end_user_id)s;

-- test: anon cannot create a user
-- as: anon | table: users | action: insert | expect: deny
INSERT INTO menuca_v3.users (id, email) VALUES (%(new_users)s + 100, 'rls-matrix-new@example.invalid');

-- test: a platform admin reads another user
-- as: admin | table: users | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.users WHERE id = %(new_users)s + 2;

-- test: a platform admin updates a user
-- as: admin | table: users | action: update | expect: allow
UPDATE menuca_v3.users SET first_name = 'rls-matrix' WHERE id = %(new_users)s + 1;

-- user_addresses ---------------------------------------------------------------------------------
-- test: an end user reads their own address
-- as: end_user | table: user_addresses | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.user_addresses WHERE id = %(new_user_addresses)s + 1;

-- test: an end user cannot read another user's address
-- as: end_user | table: user_addresses | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.user_addresses WHERE id = %(new_user_addresses)s + 2;

-- test: an end user adds an address for themself
-- as: end_user | table: user_addresses | action: insert | expect: allow
INSERT INTO menuca_v3.user_addresses (id, user_id, street_address) VALUES (%(new_user_addresses)s + 100, %(end_user_id)s, 'rls-matrix new street');

-- test: an end user cannot add an address for another user
-- as: end_user | table: user_addresses | action: insert | expect: deny
INSERT INTO menuca_v3.user_addresses (id, user_id, street_address) VALUES (%(new_user_addresses)s + 100, %(new_users)s + 1, 'rls-matrix new street');

-- test: an end user cannot give their address to another user
-- as: end_user | table: user_addresses | action: move | expect: deny
UPDATE menuca_v3.user_addresses SET user_id = %(new_users)s + 1 WHERE id = %(new_user_addresses)s + 1;

-- test: an end user cannot update another user's address
-- as: end_user | table: user_addresses | action: update | expect: deny
UPDATE menuca_v3.user_addresses SET is_default = true WHERE id = %(new_user_addresses)s + 2;

-- test: an end user deletes their own address
-- as: end_user | table: user_addresses | action: delete | expect: allow
DELETE FROM menuca_v3.user_addresses WHERE id = %(new_user_addresses)s + 1;

-- test: tenant A cannot read a user's address
-- as: tenant_a | table: user_addresses | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.user_addresses WHERE id = %(new_user_addresses)s + 1;

-- test: anon cannot read a user's address
-- as: anon | table: user_addresses | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.user_addresses WHERE id = %(new_user_addresses)s + 1;

-- test: a platform admin reads any user's address
-- as: admin | table: user_addresses | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.user_addresses WHERE id = %(new_user_addresses)s + 2;

-- user_favorite_restaurants ----------------------------------------------------------------------
-- test: an end user reads their own favourite
-- as: end_user | table: user_favorite_restaurants | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.user_favorite_restaurants WHERE id = %(new_user_favorite_restaurants)s + 1;

-- test: an end user cannot read another user's favourite
-- as: end_user | table: user_favorite_restaurants | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.user_favorite_restaurants WHERE id = %(new_user_favorite_restaurants)s + 2;

-- test: tenant A cannot read who favourited its restaurant
-- as: tenant_a | table: user_favorite_restaurants | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.user_favorite_restaurants WHERE id = %(new_user_favorite_restaurants)s + 2;

-- test: an end user adds a favourite for themself
-- as: end_user | table: user_favorite_restaurants | action: insert | expect: allow
INSERT INTO menuca_v3.user_favorite_restaurants (id, user_id, restaurant_id) VALUES (%(new_user_favorite_restaurants)s + 100, %(end_user_id)s, %(tenant_a)s);

-- test: an end user cannot add a favourite for another user
-- as: end_user | table: user_favorite_restaurants | action: insert | expect: deny
INSERT INTO menuca_v3.user_favorite_restaurants (id, user_id, restaurant_id) VALUES (%(new_user_favorite_restaurants)s + 100, %(new_users)s + 1, %(tenant_b)s);

-- test: an end user cannot delete another user's favourite
-- as: end_user | table: user_favorite_restaurants | action: delete | expect: deny
DELETE FROM menuca_v3.user_favorite_restaurants WHERE id = %(new_user_favorite_restaurants)s + 2;

-- test: a platform admin reads any favourite
-- as: admin | table: user_favorite_restaurants | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.user_favorite_restaurants WHERE id = %(new_user_favorite_restaurants)s + 2;

-- password_reset_tokens --------------------------------------------------------------------------
-- test: an end user reads their own password reset token
-- as: end_user | table: password_reset_tokens | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.password_reset_tokens WHERE id = %(new_password_reset_tokens)s + 1;

-- test: an end user cannot read another user's password reset token
-- as: end_user | table: password_reset_tokens | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.password_reset_tokens WHERE id = %(new_password_reset_tokens)s + 2;

-- test: an end user cannot use another user's password reset token
-- as: end_user | table: password_reset_tokens | action: update | expect: deny
UPDATE menuca_v3.password_reset_tokens SET used_at = now() WHERE id = %(new_password_reset_tokens)s + 2;

-- test: an end user cannot plant a password reset token for another user
-- as: end_user | table: password_reset_tokens | action: insert | expect: deny
INSERT INTO menuca_v3.password_reset_tokens (id, user_id, token_hash, expires_at)
VALUES (%(new_password_reset_tokens)s + 100, %(new_users)s + 1, 'rls-matrix-reset-planted', now() + interval '1 hour');

-- test: tenant A cannot read password reset tokens
-- as: tenant_a | table: password_reset_tokens | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.password_reset_tokens WHERE id = %(new_password_reset_tokens)s + 1;

-- test: anon cannot read password reset tokens
-- as: anon | table: password_reset_tokens | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.password_reset_tokens WHERE id = %(new_password_reset_tokens)s + 1;

-- test: a platform admin reads any password reset token
-- as: admin | table: password_reset_tokens | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.password_reset_tokens WHERE id = %(new_password_reset_tokens)s + 2;

-- autologin_tokens -------------------------------------------------------------------------------
-- test: an end user reads their own autologin token
-- as: end_user | table: autologin_tokens | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.autologin_tokens WHERE id = %(new_autologin_tokens)s + 1;

-- test: an end user cannot read another user's autologin token
-- as: end_user | table: autologin_tokens | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.autologin_tokens WHERE id = %(new_autologin_tokens)s + 2;

-- test: an end user cannot steal another user's autologin token
-- as: end_user | table: autologin_tokens | action: move | expect: deny | proof: rows
UPDATE menuca_v3.autologin_tokens SET user_id = %(end_user_id)s WHERE id = %(new_autologin_tokens)s + 2;

-- test: an end user cannot hand their autologin token to another user
-- as: end_user | table: autologin_tokens | action: move | expect: deny
UPDATE menuca_v3.autologin_tokens SET user_id = %(new_users)s + 1 WHERE id = %(new_autologin_tokens)s + 1;

-- test: an end user revokes their own autologin token
-- as: end_user | table: autologin_tokens | action: delete | expect: allow
DELETE FROM menuca_v3.autologin_tokens WHERE id = %(new_autologin_tokens)s + 1;

-- test: tenant A cannot read autologin tokens
-- as: tenant_a | table: autologin_tokens | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.autologin_tokens WHERE id = %(new_autologin_tokens)s + 1;

-- test: anon cannot read autologin tokens
-- as: anon | table: autologin_tokens | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.autologin_tokens WHERE id = %(new_autologin_tokens)s + 1;

-- test: a platform admin reads any autologin token
-- as: admin | table: autologin_tokens | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.autologin_tokens WHERE id = %(new_autologin_tokens)s + 2;

-- admin_users and admin_user_restaurants (platform admins only) ---------------------------------
-- test: a platform admin reads the admin accounts
-- as: admin | table: admin_users | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.admin_users WHERE id = %(new_admin_users)s + 1;

-- test: tenant A cannot read the admin accounts
-- as: tenant_a | table: admin_users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.admin_users WHERE id = %(new_admin_users)s + 1;

-- test: an end user cannot read the admin accounts
-- as: end_user | table: admin_users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.admin_users WHERE id = %(new_admin_users)s + 1;

-- test: anon cannot read the admin accounts
-- as: anon | table: admin_users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.admin_users WHERE id = %(new_admin_users)s + 1;

-- test: platform_admin as the string "true" cannot read the admin accounts
-- as: admin_string_claim | table: admin_users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.admin_users WHERE id = %(new_admin_users)s + 1;

-- test: user_metadata cannot make a platform admin
-- as: user_metadata_claims | table: admin_users | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.admin_users WHERE id = %(new_admin_users)s + 1;

-- test: tenant A cannot create an admin account
-- as: tenant_a | table: admin_users | action: insert | expect: deny
INSERT INTO menuca_v3.admin_users (id, email) VALUES (%(new_admin_users)s + 100, 'rls-matrix-new-admin@example.invalid');

-- test: tenant A cannot grant itself admin permissions
-- as: tenant_a | table: admin_users | action: update | expect: deny
UPDATE menuca_v3.admin_users SET permissions = '{"all": true}' WHERE id = %(new_admin_users)s + 1;

-- test: a platform admin creates an admin account
-- as: admin | table: admin_users | action: insert | expect: allow
INSERT INTO menuca_v3.admin_users (id, email) VALUES (%(new_admin_users)s + 100, 'rls-matrix-new-admin@example.invalid');

-- test: a platform admin updates an admin account
-- as: admin | table: admin_users | action: update | expect: allow
UPDATE menuca_v3.admin_users SET permissions = '{"all": true}' WHERE id = %(new_admin_users)s + 1;

-- test: a platform admin reads admin restaurant assignments
-- as: admin | table: admin_user_restaurants | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.admin_user_restaurants WHERE id = %(new_admin_user_restaurants)s + 1;

-- test: tenant A cannot read the admin assignments of its own restaurant
-- as: tenant_a | table: admin_user_restaurants | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.admin_user_restaurants WHERE id = %(new_admin_user_restaurants)s + 1;

-- test: an end user cannot read admin assignments
-- as: end_user | table: admin_user_restaurants | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.admin_user_restaurants WHERE id = %(new_admin_user_restaurants)s + 1;

-- test: anon cannot read admin assignments
-- as: anon | table: admin_user_restaurants | action: read | expect: deny
SELECT count(*) AS n FROM menuca_v3.admin_user_restaurants WHERE id = %(new_admin_user_restaurants)s + 1;

-- test: tenant A cannot assign an admin to its restaurant
-- as: tenant_a | table: admin_user_restaurants | action: insert | expect: deny
INSERT INTO menuca_v3.admin_user_restaurants (id, admin_user_id, restaurant_id)
VALUES (%(new_admin_user_restaurants)s + 100, %(new_admin_users)s + 1, %(tenant_a)s);

-- test: tenant B cannot reassign tenant A's admin to itself
-- as: tenant_b | table: admin_user_restaurants | action: move | expect: deny | proof: rows
UPDATE menuca_v3.admin_user_restaurants SET restaurant_id = %(tenant_b)s WHERE id = %(new_admin_user_restaurants)s + 1;

-- test: a platform admin removes an admin assignment
-- as: admin | table: admin_user_restaurants | action: delete | expect: allow
DELETE FROM menuca_v3.admin_user_restaurants WHERE id = %(new_admin_user_restaurants)s + 1;

-- Merged policies (one permissive policy per table, role and command, its conditions OR-ed): every
-- branch of every merged condition is proven by an allow test for each command it grants, here or
-- above (tests/test_rls_merged_policies.py checks that none is missing); the deny tests above prove
-- that no branch grants more. Admins act on tenant B's rows (+ 2), neither tenant's branch.

-- merged policies, menu and catalog: the admin and tenant branches of every command --------------
-- test: a platform admin deletes tenant B's course
-- as: admin | table: courses | action: delete | expect: allow
DELETE FROM menuca_v3.courses WHERE id = %(new_courses)s + 2;

-- test: a platform admin inserts a dish for tenant B
-- as: admin | table: dishes | action: insert | expect: allow
INSERT INTO menuca_v3.dishes (id, restaurant_id, name, base_price, source_system) VALUES (%(new_dishes)s + 101, %(tenant_b)s, 'rls-matrix admin dish', 12.50, 'v3');

-- test: a platform admin deletes tenant B's dish
-- as: admin | table: dishes | action: delete | expect: allow
DELETE FROM menuca_v3.dishes WHERE id = %(new_dishes)s + 2;

-- test: a platform admin inserts a topping for tenant B
-- as: admin | table: ingredients | action: insert | expect: allow
INSERT INTO menuca_v3.ingredients (id, restaurant_id, name) VALUES (%(new_ingredients)s + 101, %(tenant_b)s, 'rls-matrix admin topping');

-- test: a platform admin updates tenant B's topping
-- as: admin | table: ingredients | action: update | expect: allow
UPDATE menuca_v3.ingredients SET restaurant_id = restaurant_id WHERE id = %(new_ingredients)s + 2;

-- test: a platform admin deletes tenant B's topping
-- as: admin | table: ingredients | action: delete | expect: allow
DELETE FROM menuca_v3.ingredients WHERE id = %(new_ingredients)s + 2;

-- test: tenant A deletes its own topping
-- as: tenant_a | table: ingredients | action: delete | expect: allow
DELETE FROM menuca_v3.ingredients WHERE id = %(new_ingredients)s + 1;

-- test: a platform admin inserts an ingredient group for tenant B
-- as: admin | table: ingredient_groups | action: insert | expect: allow
INSERT INTO menuca_v3.ingredient_groups (id, restaurant_id, name, group_type) VALUES (%(new_ingredient_groups)s + 101, %(tenant_b)s, 'rls-matrix admin group', 'e');

-- test: a platform admin updates tenant B's ingredient group
-- as: admin | table: ingredient_groups | action: update | expect: allow
UPDATE menuca_v3.ingredient_groups SET restaurant_id = restaurant_id WHERE id = %(new_ingredient_groups)s + 2;

-- test: a platform admin deletes tenant B's ingredient group
-- as: admin | table: ingredient_groups | action: delete | expect: allow
DELETE FROM menuca_v3.ingredient_groups WHERE id = %(new_ingredient_groups)s + 2;

-- test: tenant A deletes its own ingredient group
-- as: tenant_a | table: ingredient_groups | action: delete | expect: allow
DELETE FROM menuca_v3.ingredient_groups WHERE id = %(new_ingredient_groups)s + 1;

-- test: a platform admin deletes tenant B's combo group
-- as: admin | table: combo_groups | action: delete | expect: allow
DELETE FROM menuca_v3.combo_groups WHERE id = %(new_combo_groups)s + 2;

-- test: a platform admin inserts a dish modifier for tenant B
-- as: admin | table: dish_modifiers | action: insert | expect: allow
INSERT INTO menuca_v3.dish_modifiers (id, dish_id, ingredient_id, restaurant_id, modifier_type) VALUES (%(new_dish_modifiers)s + 101, %(new_dishes)s + 2, %(new_ingredients)s + 2, %(tenant_b)s, 'extras');

-- test: a platform admin updates tenant B's dish modifier
-- as: admin | table: dish_modifiers | action: update | expect: allow
UPDATE menuca_v3.dish_modifiers SET base_price = base_price WHERE id = %(new_dish_modifiers)s + 2;

-- test: a platform admin deletes tenant B's dish modifier
-- as: admin | table: dish_modifiers | action: delete | expect: allow
DELETE FROM menuca_v3.dish_modifiers WHERE id = %(new_dish_modifiers)s + 2;

-- test: tenant A deletes its own dish modifier
-- as: tenant_a | table: dish_modifiers | action: delete | expect: allow
DELETE FROM menuca_v3.dish_modifiers WHERE id = %(new_dish_modifiers)s + 1;

-- test: a platform admin inserts a dish customization for tenant B
-- as: admin | table: dish_customizations | action: insert | expect: allow
INSERT INTO menuca_v3.dish_customizations (id, dish_id, customization_type) VALUES (%(new_dish_customizations)s + 101, %(new_dishes)s + 2, 'sd');

-- test: a platform admin updates tenant B's dish customization
-- as: admin | table: dish_customizations | action: update | expect: allow
UPDATE menuca_v3.dish_customizations SET title = title WHERE id = %(new_dish_customizations)s + 2;

-- test: a platform admin deletes tenant B's dish customization
-- as: admin | table: dish_customizations | action: delete | expect: allow
DELETE FROM menuca_v3.dish_customizations WHERE id = %(new_dish_customizations)s + 2;

-- test: tenant A deletes its own dish customization
-- as: tenant_a | table: dish_customizations | action: delete | expect: allow
DELETE FROM menuca_v3.dish_customizations WHERE id = %(new_dish_customizations)s + 1;

-- test: a platform admin deletes tenant B's ingredient group item
-- as: admin | table: ingredient_group_items | action: delete | expect: allow
DELETE FROM menuca_v3.ingredient_group_items WHERE id = %(new_ingredient_group_items)s + 2;

-- test: a platform admin deletes tenant B's combo item
-- as: admin | table: combo_items | action: delete | expect: allow
DELETE FROM menuca_v3.combo_items WHERE id = %(new_combo_items)s + 2;

-- test: a platform admin inserts a combo modifier price for tenant B
-- as: admin | table: combo_group_modifier_pricing | action: insert | expect: allow
INSERT INTO menuca_v3.combo_group_modifier_pricing (id, combo_group_id, ingredient_group_id, pricing_rules) VALUES (%(new_combo_group_modifier_pricing)s + 101, %(new_combo_groups)s + 2, %(new_ingredient_groups)s + 2, '{}');

-- test: a platform admin updates tenant B's combo modifier price
-- as: admin | table: combo_group_modifier_pricing | action: update | expect: allow
UPDATE menuca_v3.combo_group_modifier_pricing SET pricing_rules = pricing_rules WHERE id = %(new_combo_group_modifier_pricing)s + 2;

-- test: a platform admin deletes tenant B's combo modifier price
-- as: admin | table: combo_group_modifier_pricing | action: delete | expect: allow
DELETE FROM menuca_v3.combo_group_modifier_pricing WHERE id = %(new_combo_group_modifier_pricing)s + 2;

-- test: tenant A deletes its own combo modifier price
-- as: tenant_a | table: combo_group_modifier_pricing | action: delete | expect: allow
DELETE FROM menuca_v3.combo_group_modifier_pricing WHERE id = %(new_combo_group_modifier_pricing)s + 1;

-- test: a platform admin inserts a combo step for tenant B
-- as: admin | table: combo_steps | action: insert | expect: allow
INSERT INTO menuca_v3.combo_steps (id, combo_item_id, step_number) VALUES (%(new_combo_steps)s + 101, %(new_combo_items)s + 2, 2);

-- test: a platform admin updates tenant B's combo step
-- as: admin | table: combo_steps | action: update | expect: allow
UPDATE menuca_v3.combo_steps SET step_label = step_label WHERE id = %(new_combo_steps)s + 2;

-- test: a platform admin deletes tenant B's combo step
-- as: admin | table: combo_steps | action: delete | expect: allow
DELETE FROM menuca_v3.combo_steps WHERE id = %(new_combo_steps)s + 2;

-- test: tenant A deletes its own combo step
-- as: tenant_a | table: combo_steps | action: delete | expect: allow
DELETE FROM menuca_v3.combo_steps WHERE id = %(new_combo_steps)s + 1;

-- merged policies, restaurant management and devices: the admin and tenant branches of every command ---
-- test: a platform admin deletes tenant B's location
-- as: admin | table: restaurant_locations | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_locations WHERE id = %(new_restaurant_locations)s + 2;

-- test: a platform admin inserts a contact for tenant B
-- as: admin | table: restaurant_contacts | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_contacts (id, restaurant_id, first_name) VALUES (%(new_restaurant_contacts)s + 101, %(tenant_b)s, 'rls-matrix admin');

-- test: a platform admin updates tenant B's contact
-- as: admin | table: restaurant_contacts | action: update | expect: allow
UPDATE menuca_v3.restaurant_contacts SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_contacts)s + 2;

-- test: a platform admin deletes tenant B's contact
-- as: admin | table: restaurant_contacts | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_contacts WHERE id = %(new_restaurant_contacts)s + 2;

-- test: tenant A deletes its own contact
-- as: tenant_a | table: restaurant_contacts | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_contacts WHERE id = %(new_restaurant_contacts)s + 1;

-- test: a platform admin inserts a staff login for tenant B
-- as: admin | table: restaurant_admin_users | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_admin_users (id, restaurant_id, email) VALUES (%(new_restaurant_admin_users)s + 101, %(tenant_b)s, 'rls-matrix-admin-staff@example.invalid');

-- test: a platform admin updates tenant B's staff login
-- as: admin | table: restaurant_admin_users | action: update | expect: allow
UPDATE menuca_v3.restaurant_admin_users SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_admin_users)s + 2;

-- test: a platform admin deletes tenant B's staff login
-- as: admin | table: restaurant_admin_users | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_admin_users WHERE id = %(new_restaurant_admin_users)s + 2;

-- test: tenant A deletes its own staff login
-- as: tenant_a | table: restaurant_admin_users | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_admin_users WHERE id = %(new_restaurant_admin_users)s + 1;

-- test: a platform admin inserts a schedule for tenant B
-- as: admin | table: restaurant_schedules | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_schedules (id, restaurant_id, type, day_start, day_stop, time_start, time_stop) VALUES (%(new_restaurant_schedules)s + 101, %(tenant_b)s, 'takeout', 6, 7, '12:00', '20:00');

-- test: a platform admin updates tenant B's schedule
-- as: admin | table: restaurant_schedules | action: update | expect: allow
UPDATE menuca_v3.restaurant_schedules SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_schedules)s + 2;

-- test: a platform admin deletes tenant B's schedule
-- as: admin | table: restaurant_schedules | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_schedules WHERE id = %(new_restaurant_schedules)s + 2;

-- test: tenant A deletes its own schedule
-- as: tenant_a | table: restaurant_schedules | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_schedules WHERE id = %(new_restaurant_schedules)s + 1;

-- test: a platform admin inserts a special schedule for tenant B
-- as: admin | table: restaurant_special_schedules | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_special_schedules (id, restaurant_id, schedule_type, date_start, date_stop) VALUES (%(new_restaurant_special_schedules)s + 101, %(tenant_b)s, 'closed', '2031-07-02', '2031-07-02');

-- test: a platform admin updates tenant B's special schedule
-- as: admin | table: restaurant_special_schedules | action: update | expect: allow
UPDATE menuca_v3.restaurant_special_schedules SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_special_schedules)s + 2;

-- test: a platform admin deletes tenant B's special schedule
-- as: admin | table: restaurant_special_schedules | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_special_schedules WHERE id = %(new_restaurant_special_schedules)s + 2;

-- test: tenant A deletes its own special schedule
-- as: tenant_a | table: restaurant_special_schedules | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_special_schedules WHERE id = %(new_restaurant_special_schedules)s + 1;

-- test: a platform admin inserts a service configuration for tenant B
-- as: admin | table: restaurant_service_configs | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_service_configs (id, restaurant_id) VALUES (%(new_restaurant_service_configs)s + 101, %(tenant_b)s);

-- test: a platform admin updates tenant B's service configuration
-- as: admin | table: restaurant_service_configs | action: update | expect: allow
UPDATE menuca_v3.restaurant_service_configs SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_service_configs)s + 2;

-- test: a platform admin deletes tenant B's service configuration
-- as: admin | table: restaurant_service_configs | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_service_configs WHERE id = %(new_restaurant_service_configs)s + 2;

-- test: tenant A deletes its own service configuration
-- as: tenant_a | table: restaurant_service_configs | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_service_configs WHERE id = %(new_restaurant_service_configs)s + 1;

-- test: a platform admin inserts a time period for tenant B
-- as: admin | table: restaurant_time_periods | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_time_periods (id, restaurant_id, name, time_start, time_stop) VALUES (%(new_restaurant_time_periods)s + 101, %(tenant_b)s, 'rls-matrix admin dinner', '17:00', '21:00');

-- test: a platform admin updates tenant B's time period
-- as: admin | table: restaurant_time_periods | action: update | expect: allow
UPDATE menuca_v3.restaurant_time_periods SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_time_periods)s + 2;

-- test: a platform admin deletes tenant B's time period
-- as: admin | table: restaurant_time_periods | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_time_periods WHERE id = %(new_restaurant_time_periods)s + 2;

-- test: tenant A deletes its own time period
-- as: tenant_a | table: restaurant_time_periods | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_time_periods WHERE id = %(new_restaurant_time_periods)s + 1;

-- test: a platform admin inserts a domain for tenant B
-- as: admin | table: restaurant_domains | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_domains (id, restaurant_id, domain) VALUES (%(new_restaurant_domains)s + 101, %(tenant_b)s, 'rls-matrix-admin.example.invalid');

-- test: a platform admin updates tenant B's domain
-- as: admin | table: restaurant_domains | action: update | expect: allow
UPDATE menuca_v3.restaurant_domains SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_domains)s + 2;

-- test: a platform admin deletes tenant B's domain
-- as: admin | table: restaurant_domains | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_domains WHERE id = %(new_restaurant_domains)s + 2;

-- test: tenant A deletes its own domain
-- as: tenant_a | table: restaurant_domains | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_domains WHERE id = %(new_restaurant_domains)s + 1;

-- test: a platform admin inserts a device for tenant B
-- as: admin | table: devices | action: insert | expect: allow
INSERT INTO menuca_v3.devices (id, restaurant_id, device_uuid) VALUES (%(new_devices)s + 101, %(tenant_b)s, md5('rls-matrix admin device')::uuid);

-- test: a platform admin updates tenant B's device
-- as: admin | table: devices | action: update | expect: allow
UPDATE menuca_v3.devices SET restaurant_id = restaurant_id WHERE id = %(new_devices)s + 2;

-- test: a platform admin deletes tenant B's device
-- as: admin | table: devices | action: delete | expect: allow
DELETE FROM menuca_v3.devices WHERE id = %(new_devices)s + 2;

-- test: tenant A deletes its own device
-- as: tenant_a | table: devices | action: delete | expect: allow
DELETE FROM menuca_v3.devices WHERE id = %(new_devices)s + 1;

-- merged policies, delivery: the admin and tenant branches of every command ----------------------
-- test: a platform admin inserts a delivery company link for tenant B
-- as: admin | table: restaurant_delivery_companies | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_delivery_companies (id, restaurant_id, company_email_id) VALUES (%(new_restaurant_delivery_companies)s + 101, %(tenant_b)s, %(new_delivery_company_emails)s + 2);

-- test: a platform admin updates tenant B's delivery company link
-- as: admin | table: restaurant_delivery_companies | action: update | expect: allow
UPDATE menuca_v3.restaurant_delivery_companies SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_delivery_companies)s + 2;

-- test: a platform admin deletes tenant B's delivery company link
-- as: admin | table: restaurant_delivery_companies | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_delivery_companies WHERE id = %(new_restaurant_delivery_companies)s + 2;

-- test: tenant A deletes its own delivery company link
-- as: tenant_a | table: restaurant_delivery_companies | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_delivery_companies WHERE id = %(new_restaurant_delivery_companies)s + 1;

-- test: a platform admin deletes tenant B's delivery fee
-- as: admin | table: restaurant_delivery_fees | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_delivery_fees WHERE id = %(new_restaurant_delivery_fees)s + 2;

-- test: a platform admin inserts a delivery configuration for tenant B
-- as: admin | table: restaurant_delivery_config | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_delivery_config (id, restaurant_id) VALUES (%(new_restaurant_delivery_config)s + 101, %(tenant_b)s);

-- test: a platform admin updates tenant B's delivery configuration
-- as: admin | table: restaurant_delivery_config | action: update | expect: allow
UPDATE menuca_v3.restaurant_delivery_config SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_delivery_config)s + 2;

-- test: a platform admin deletes tenant B's delivery configuration
-- as: admin | table: restaurant_delivery_config | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_delivery_config WHERE id = %(new_restaurant_delivery_config)s + 2;

-- test: tenant A deletes its own delivery configuration
-- as: tenant_a | table: restaurant_delivery_config | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_delivery_config WHERE id = %(new_restaurant_delivery_config)s + 1;

-- test: a platform admin inserts a delivery area for tenant B
-- as: admin | table: restaurant_delivery_areas | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_delivery_areas (id, restaurant_id, area_number) VALUES (%(new_restaurant_delivery_areas)s + 101, %(tenant_b)s, 98);

-- test: a platform admin updates tenant B's delivery area
-- as: admin | table: restaurant_delivery_areas | action: update | expect: allow
UPDATE menuca_v3.restaurant_delivery_areas SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_delivery_areas)s + 2;

-- test: a platform admin deletes tenant B's delivery area
-- as: admin | table: restaurant_delivery_areas | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_delivery_areas WHERE id = %(new_restaurant_delivery_areas)s + 2;

-- test: tenant A deletes its own delivery area
-- as: tenant_a | table: restaurant_delivery_areas | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_delivery_areas WHERE id = %(new_restaurant_delivery_areas)s + 1;

-- test: a platform admin inserts a partner schedule for tenant B
-- as: admin | table: restaurant_partner_schedules | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_partner_schedules (id, restaurant_id, partner, day_start, day_stop, time_start, time_stop) VALUES (%(new_restaurant_partner_schedules)s + 101, %(tenant_b)s, 'rls-matrix admin', 1, 5, '10:00', '20:00');

-- test: a platform admin updates tenant B's partner schedule
-- as: admin | table: restaurant_partner_schedules | action: update | expect: allow
UPDATE menuca_v3.restaurant_partner_schedules SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_partner_schedules)s + 2;

-- test: a platform admin deletes tenant B's partner schedule
-- as: admin | table: restaurant_partner_schedules | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_partner_schedules WHERE id = %(new_restaurant_partner_schedules)s + 2;

-- test: tenant A deletes its own partner schedule
-- as: tenant_a | table: restaurant_partner_schedules | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_partner_schedules WHERE id = %(new_restaurant_partner_schedules)s + 1;

-- merged policies, deals and coupons: the admin and tenant branches of every command -------------
-- test: a platform admin inserts a deal for tenant B
-- as: admin | table: promotional_deals | action: insert | expect: allow
INSERT INTO menuca_v3.promotional_deals (id, restaurant_id, name, deal_type) VALUES (%(new_promotional_deals)s + 101, %(tenant_b)s, 'rls-matrix admin deal', 'bogo');

-- test: a platform admin updates tenant B's deal
-- as: admin | table: promotional_deals | action: update | expect: allow
UPDATE menuca_v3.promotional_deals SET restaurant_id = restaurant_id WHERE id = %(new_promotional_deals)s + 2;

-- test: a platform admin deletes tenant B's deal
-- as: admin | table: promotional_deals | action: delete | expect: allow
DELETE FROM menuca_v3.promotional_deals WHERE id = %(new_promotional_deals)s + 2;

-- test: tenant A deletes its own deal
-- as: tenant_a | table: promotional_deals | action: delete | expect: allow
DELETE FROM menuca_v3.promotional_deals WHERE id = %(new_promotional_deals)s + 1;

-- test: a platform admin inserts a coupon for tenant B
-- as: admin | table: promotional_coupons | action: insert | expect: allow
INSERT INTO menuca_v3.promotional_coupons (id, restaurant_id, code, discount_type, discount_amount) VALUES (%(new_promotional_coupons)s + 101, %(tenant_b)s, 'RLS-MATRIX-ADMIN', 'amount', 3);

-- test: a platform admin updates tenant B's coupon
-- as: admin | table: promotional_coupons | action: update | expect: allow
UPDATE menuca_v3.promotional_coupons SET restaurant_id = restaurant_id WHERE id = %(new_promotional_coupons)s + 2;

-- test: a platform admin deletes tenant B's coupon
-- as: admin | table: promotional_coupons | action: delete | expect: allow
DELETE FROM menuca_v3.promotional_coupons WHERE id = %(new_promotional_coupons)s + 2;

-- test: tenant A deletes its own coupon
-- as: tenant_a | table: promotional_coupons | action: delete | expect: allow
DELETE FROM menuca_v3.promotional_coupons WHERE id = %(new_promotional_coupons)s + 1;

-- merged policies, restaurants and the legacy id mapping -----------------------------------------
-- test: tenant B reads an active restaurant that is not its own (the public branch of its read)
-- as: tenant_b | table: restaurants | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurants WHERE id = %(active_restaurant)s;

-- test: a platform admin reads a restaurant that is not active
-- as: admin | table: restaurants | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurants WHERE id = %(hidden_restaurant)s;

-- test: a platform admin deletes a restaurant
-- as: admin | table: restaurants | action: delete | expect: allow
DELETE FROM menuca_v3.restaurants WHERE id = %(new_restaurants)s + 1;

-- test: a platform admin reads tenant B's legacy id mapping
-- as: admin | table: restaurant_id_mapping | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_id_mapping WHERE id = %(new_restaurant_id_mapping)s + 2;

-- test: a platform admin inserts a legacy id mapping
-- as: admin | table: restaurant_id_mapping | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_id_mapping (id, new_restaurant_id, old_restaurant_id, source_system)
VALUES (%(new_restaurant_id_mapping)s + 101, %(tenant_b)s, 2000000101, 'v2');

-- test: a platform admin deletes tenant B's legacy id mapping
-- as: admin | table: restaurant_id_mapping | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_id_mapping WHERE id = %(new_restaurant_id_mapping)s + 2;

-- merged policies, the Twilio configuration (one per restaurant) ---------------------------------
-- test: a platform admin reads tenant B's Twilio configuration
-- as: admin | table: restaurant_twilio_config | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_twilio_config WHERE restaurant_id = %(tenant_b)s;

-- test: a platform admin inserts the Twilio configuration of a restaurant that has none
-- as: admin | table: restaurant_twilio_config | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_twilio_config (id, restaurant_id, phone_number)
VALUES (%(new_restaurant_twilio_config)s + 101, %(no_twilio_restaurant)s, '555-0101');

-- test: tenant A replaces its own Twilio configuration (deletes it and inserts a new one, in one statement)
-- as: tenant_a | table: restaurant_twilio_config | action: insert | expect: allow
WITH replaced AS (
    DELETE FROM menuca_v3.restaurant_twilio_config WHERE restaurant_id = %(tenant_a)s RETURNING restaurant_id
)
INSERT INTO menuca_v3.restaurant_twilio_config (id, restaurant_id, phone_number)
SELECT %(new_restaurant_twilio_config)s + 102, restaurant_id, '555-0102' FROM replaced;

-- test: a platform admin updates tenant B's Twilio configuration
-- as: admin | table: restaurant_twilio_config | action: update | expect: allow
UPDATE menuca_v3.restaurant_twilio_config SET enable_call = NOT enable_call WHERE restaurant_id = %(tenant_b)s;

-- test: a platform admin deletes tenant B's Twilio configuration
-- as: admin | table: restaurant_twilio_config | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_twilio_config WHERE restaurant_id = %(tenant_b)s;

-- test: tenant A deletes its own Twilio configuration
-- as: tenant_a | table: restaurant_twilio_config | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_twilio_config WHERE restaurant_id = %(tenant_a)s;

-- merged policies, couriers, tags and reference data ---------------------------------------------
-- test: a platform admin reads a courier no tenant of the matrix uses
-- as: admin | table: delivery_company_emails | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.delivery_company_emails WHERE id = %(new_delivery_company_emails)s + 3;

-- test: a platform admin deletes a courier no restaurant uses
-- as: admin | table: delivery_company_emails | action: delete | expect: allow
DELETE FROM menuca_v3.delivery_company_emails WHERE id = %(new_delivery_company_emails)s + 3;

-- test: an authenticated tenant reads the marketing tags
-- as: tenant_b | table: marketing_tags | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.marketing_tags WHERE id = %(new_marketing_tags)s + 1;

-- test: a platform admin updates a marketing tag
-- as: admin | table: marketing_tags | action: update | expect: allow
UPDATE menuca_v3.marketing_tags SET name = name WHERE id = %(new_marketing_tags)s + 1;

-- test: a platform admin deletes a marketing tag
-- as: admin | table: marketing_tags | action: delete | expect: allow
DELETE FROM menuca_v3.marketing_tags WHERE id = %(new_marketing_tags)s + 1;

-- test: tenant B reads tenant A's tag association (public by design)
-- as: tenant_b | table: restaurant_tag_associations | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.restaurant_tag_associations WHERE id = %(new_restaurant_tag_associations)s + 1;

-- test: a platform admin inserts a tag association for tenant B
-- as: admin | table: restaurant_tag_associations | action: insert | expect: allow
INSERT INTO menuca_v3.restaurant_tag_associations (id, restaurant_id, tag_id) VALUES (%(new_restaurant_tag_associations)s + 101, %(tenant_b)s, %(new_marketing_tags)s + 1);

-- test: a platform admin updates tenant B's tag association
-- as: admin | table: restaurant_tag_associations | action: update | expect: allow
UPDATE menuca_v3.restaurant_tag_associations SET restaurant_id = restaurant_id WHERE id = %(new_restaurant_tag_associations)s + 2;

-- test: tenant A updates its own tag association
-- as: tenant_a | table: restaurant_tag_associations | action: update | expect: allow
UPDATE menuca_v3.restaurant_tag_associations SET tag_id = tag_id WHERE id = %(new_restaurant_tag_associations)s + 1;

-- test: a platform admin deletes tenant B's tag association
-- as: admin | table: restaurant_tag_associations | action: delete | expect: allow
DELETE FROM menuca_v3.restaurant_tag_associations WHERE id = %(new_restaurant_tag_associations)s + 2;

-- test: an authenticated tenant reads the provinces
-- as: tenant_b | table: provinces | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.provinces;

-- test: a platform admin updates a province
-- as: admin | table: provinces | action: update | expect: allow
UPDATE menuca_v3.provinces SET name_fr = name_fr WHERE id = (SELECT min(id) FROM menuca_v3.provinces);

-- test: a platform admin deletes a province no city is in
-- as: admin | table: provinces | action: delete | expect: allow
DELETE FROM menuca_v3.provinces WHERE id = %(new_provinces)s + 1;

-- test: an authenticated tenant reads the cities
-- as: tenant_b | table: cities | action: read | expect: allow
SELECT count(*) AS n FROM menuca_v3.cities;

-- test: a platform admin inserts a city
-- as: admin | table: cities | action: insert | expect: allow
INSERT INTO menuca_v3.cities (id, province_id, name) VALUES (%(new_cities)s + 101, (SELECT min(id) FROM menuca_v3.provinces), 'rls-matrix admin city');

-- test: a platform admin deletes a city nothing points at
-- as: admin | table: cities | action: delete | expect: allow
DELETE FROM menuca_v3.cities WHERE id = %(new_cities)s + 1;

-- merged policies, users and their rows: the self and admin branches of every command ------------
-- test: a platform admin inserts a user
-- as: admin | table: users | action: insert | expect: allow
INSERT INTO menuca_v3.users (id, email, auth_user_id)
VALUES (%(new_users)s + 101, 'rls-matrix-admin-made@example.invalid', md5('rls-matrix admin made')::uuid);

-- test: an end user re-creates their own users row (deletes it and inserts it again, in one statement)
-- as: end_user | table: users | action: insert | expect: allow
WITH gone AS (DELETE FROM menuca_v3.users WHERE id = %(end_user_id)s RETURNING auth_user_id)
INSERT INTO menuca_v3.users (id, email, auth_user_id)
SELECT %(new_users)s + 102, 'rls-matrix-recreated@example.invalid', auth_user_id FROM gone;

-- test: a platform admin deletes another user
-- as: admin | table: users | action: delete | expect: allow
DELETE FROM menuca_v3.users WHERE id = %(new_users)s + 1;

-- test: an end user deletes their own users row
-- as: end_user | table: users | action: delete | expect: allow
DELETE FROM menuca_v3.users WHERE id = %(end_user_id)s;

-- test: a platform admin inserts another user's address
-- as: admin | table: user_addresses | action: insert | expect: allow
INSERT INTO menuca_v3.user_addresses (id, user_id, street_address)
VALUES (%(new_user_addresses)s + 101, %(new_users)s + 1, 'rls-matrix admin street');

-- test: a platform admin updates another user's address
-- as: admin | table: user_addresses | action: update | expect: allow
UPDATE menuca_v3.user_addresses SET street_address = street_address WHERE id = %(new_user_addresses)s + 2;

-- test: an end user updates their own address
-- as: end_user | table: user_addresses | action: update | expect: allow
UPDATE menuca_v3.user_addresses SET street_address = street_address WHERE id = %(new_user_addresses)s + 1;

-- test: a platform admin deletes another user's address
-- as: admin | table: user_addresses | action: delete | expect: allow
DELETE FROM menuca_v3.user_addresses WHERE id = %(new_user_addresses)s + 2;

-- test: a platform admin inserts another user's favourite
-- as: admin | table: user_favorite_restaurants | action: insert | expect: allow
INSERT INTO menuca_v3.user_favorite_restaurants (id, user_id, restaurant_id)
VALUES (%(new_user_favorite_restaurants)s + 101, %(new_users)s + 1, %(tenant_b)s);

-- test: a platform admin updates another user's favourite
-- as: admin | table: user_favorite_restaurants | action: update | expect: allow
UPDATE menuca_v3.user_favorite_restaurants SET restaurant_id = restaurant_id WHERE id = %(new_user_favorite_restaurants)s + 2;

-- test: an end user updates their own favourite
-- as: end_user | table: user_favorite_restaurants | action: update | expect: allow
UPDATE menuca_v3.user_favorite_restaurants SET restaurant_id = restaurant_id WHERE id = %(new_user_favorite_restaurants)s + 1;

-- test: a platform admin deletes another user's favourite
-- as: admin | table: user_favorite_restaurants | action: delete | expect: allow
DELETE FROM menuca_v3.user_favorite_restaurants WHERE id = %(new_user_favorite_restaurants)s + 2;

-- test: an end user deletes their own favourite
-- as: end_user | table: user_favorite_restaurants | action: delete | expect: allow
DELETE FROM menuca_v3.user_favorite_restaurants WHERE id = %(new_user_favorite_restaurants)s + 1;

-- test: a platform admin inserts another user's password reset token
-- as: admin | table: password_reset_tokens | action: insert | expect: allow
INSERT INTO menuca_v3.password_reset_tokens (id, user_id, token_hash, expires_at)
VALUES (%(new_password_reset_tokens)s + 101, %(new_users)s + 1, 'rls-matrix-reset-by-admin', now() + interval '1 hour');

-- test: an end user inserts their own password reset token
-- as: end_user | table: password_reset_tokens | action: insert | expect: allow
INSERT INTO menuca_v3.password_reset_tokens (id, user_id, token_hash, expires_at)
VALUES (%(new_password_reset_tokens)s + 102, %(end_user_id)s, 'rls-matrix-reset-new-end-user', now() + interval '1 hour');

-- test: a platform admin updates another user's password reset token
-- as: admin | table: password_reset_tokens | action: update | expect: allow
UPDATE menuca_v3.password_reset_tokens SET expires_at = expires_at WHERE id = %(new_password_reset_tokens)s + 2;

-- test: an end user updates their own password reset token
-- as: end_user | table: password_reset_tokens | action: update | expect: allow
UPDATE menuca_v3.password_reset_tokens SET expires_at = expires_at WHERE id = %(new_password_reset_tokens)s + 1;

-- test: a platform admin deletes another user's password reset token
-- as: admin | table: password_reset_tokens | action: delete | expect: allow
DELETE FROM menuca_v3.password_reset_tokens WHERE id = %(new_password_reset_tokens)s + 2;

-- test: an end user deletes their own password reset token
-- as: end_user | table: password_reset_tokens | action: delete | expect: allow
DELETE FROM menuca_v3.password_reset_tokens WHERE id = %(new_password_reset_tokens)s + 1;

-- test: a platform admin inserts another user's autologin token
-- as: admin | table: autologin_tokens | action: insert | expect: allow
INSERT INTO menuca_v3.autologin_tokens (id, user_id, token_hash, expires_at)
VALUES (%(new_autologin_tokens)s + 101, %(new_users)s + 1, 'rls-matrix-login-by-admin', now() + interval '30 days');

-- test: an end user inserts their own autologin token
-- as: end_user | table: autologin_tokens | action: insert | expect: allow
INSERT INTO menuca_v3.autologin_tokens (id, user_id, token_hash, expires_at)
VALUES (%(new_autologin_tokens)s + 102, %(end_user_id)s, 'rls-matrix-login-new-end-user', now() + interval '30 days');

-- test: a platform admin updates another user's autologin token
-- as: admin | table: autologin_tokens | action: update | expect: allow
UPDATE menuca_v3.autologin_tokens SET expires_at = expires_at WHERE id = %(new_autologin_tokens)s + 2;

-- test: an end user updates their own autologin token
-- as: end_user | table: autologin_tokens | action: update | expect: allow
UPDATE menuca_v3.autologin_tokens SET expires_at = expires_at WHERE id = %(new_autologin_tokens)s + 1;

-- test: a platform admin deletes another user's autologin token
-- as: admin | table: autologin_tokens | action: delete | expect: allow
DELETE FROM menuca_v3.autologin_tokens WHERE id = %(new_autologin_tokens)s + 2;

-- test: a platform admin deletes an admin user
-- as: admin | table: admin_users | action: delete | expect: allow
DELETE FROM menuca_v3.admin_users WHERE id = %(new_admin_users)s + 1;

-- test: a platform admin links an admin user to a restaurant
-- as: admin | table: admin_user_restaurants | action: insert | expect: allow
INSERT INTO menuca_v3.admin_user_restaurants (id, admin_user_id, restaurant_id)
VALUES (%(new_admin_user_restaurants)s + 101, %(new_admin_users)s + 1, %(tenant_b)s);

-- test: a platform admin changes an admin user's role at a restaurant
-- as: admin | table: admin_user_restaurants | action: update | expect: allow
UPDATE menuca_v3.admin_user_restaurants SET role = role WHERE id = %(new_admin_user_restaurants)s + 1;
