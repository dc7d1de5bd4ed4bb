-- The MenuCA V3 schema as it stood before the runbook (MENUCA_FACTS.md "Schema"), plus the raw
-- legacy loads in schema staging.
--
-- 42 tables in menuca_v3, each with a bigint primary key. Primary keys, unique constraints and
-- checks are declared here; the foreign keys are added after the data by 25_foreign_keys.sql and
-- every other pre-existing index by 30_indexes.sql, so that loads are fast and the index catalog
-- is in one place.
-- Deliberately absent (the runbook adds them, see target_indexes.json): indexes on the foreign-key
-- columns the 58 targets name, and any unique constraint with a target's definition
-- (admin_users.email, restaurant_service_configs.restaurant_id and
-- restaurant_delivery_config.restaurant_id are not unique; users.email is unique only through
-- idx_users_email_lower on lower(email)).
--
-- Dish, user and combo item ids are bigserial like every other id; legacy ids are integers.

CREATE SCHEMA menuca_v3;
COMMENT ON SCHEMA menuca_v3 IS 'MenuCA V3, assembled from the V1 (MySQL) and V2 systems.';

CREATE TYPE menuca_v3.restaurant_status AS ENUM ('pending', 'active', 'suspended', 'closed');
CREATE TYPE menuca_v3.schedule_type AS ENUM ('delivery', 'takeout');

-- ---------------------------------------------------------------------------------------------
-- Geography (reference data)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE menuca_v3.provinces (
    id bigserial PRIMARY KEY,
    code varchar(2) NOT NULL CONSTRAINT provinces_code_key UNIQUE,
    name varchar(100) NOT NULL CONSTRAINT provinces_name_key UNIQUE,
    name_fr varchar(100)
);

CREATE TABLE menuca_v3.cities (
    id bigserial PRIMARY KEY,
    province_id bigint NOT NULL,
    name varchar(100) NOT NULL,
    timezone varchar(50) NOT NULL DEFAULT 'America/Toronto',
    latitude numeric(10, 7),
    longitude numeric(10, 7),
    CONSTRAINT cities_name_province_id_key UNIQUE (name, province_id)
);

-- ---------------------------------------------------------------------------------------------
-- Restaurants and their management tables
-- ---------------------------------------------------------------------------------------------

CREATE TABLE menuca_v3.restaurants (
    id bigserial PRIMARY KEY,
    uuid uuid NOT NULL DEFAULT gen_random_uuid() CONSTRAINT restaurants_uuid_key UNIQUE,
    legacy_v1_id integer CONSTRAINT restaurants_legacy_v1_id_key UNIQUE,
    legacy_v2_id integer CONSTRAINT restaurants_legacy_v2_id_key UNIQUE,
    name varchar(255) NOT NULL,
    -- There is no is_active column: "active" is status = 'active' (MENUCA_FACTS.md, mistake 12).
    status menuca_v3.restaurant_status NOT NULL DEFAULT 'pending',
    activated_at timestamptz,
    suspended_at timestamptz,
    closed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    CONSTRAINT restaurants_active_has_activated_at CHECK (status <> 'active' OR activated_at IS NOT NULL),
    CONSTRAINT restaurants_suspended_has_suspended_at CHECK (status <> 'suspended' OR suspended_at IS NOT NULL),
    CONSTRAINT restaurants_closed_has_closed_at CHECK (status <> 'closed' OR closed_at IS NOT NULL)
);

CREATE TABLE menuca_v3.restaurant_locations (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    is_primary boolean NOT NULL DEFAULT true,
    street_address varchar(255),
    unit_number varchar(50),
    city_id bigint,
    province_id bigint,
    postal_code varchar(7),
    country_code varchar(2) NOT NULL DEFAULT 'CA',
    latitude numeric(10, 8),
    longitude numeric(11, 8),
    phone varchar(20),
    email varchar(255),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    CONSTRAINT restaurant_locations_latitude_check CHECK (latitude BETWEEN -90 AND 90),
    CONSTRAINT restaurant_locations_longitude_check CHECK (longitude BETWEEN -180 AND 180)
);

CREATE TABLE menuca_v3.restaurant_contacts (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    contact_type varchar(20) NOT NULL DEFAULT 'owner'
        CONSTRAINT restaurant_contacts_type_check CHECK (contact_type IN ('owner', 'manager', 'billing', 'orders')),
    first_name varchar(100),
    last_name varchar(100),
    email varchar(255),
    phone varchar(20),
    receives_orders boolean NOT NULL DEFAULT false,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.restaurant_admin_users (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    first_name varchar(100),
    last_name varchar(100),
    email varchar(255) NOT NULL,
    password_hash text,
    last_login_at timestamptz,
    login_count integer NOT NULL DEFAULT 0 CONSTRAINT restaurant_admin_users_login_count_check CHECK (login_count >= 0),
    send_statement boolean NOT NULL DEFAULT false,
    is_active boolean NOT NULL DEFAULT true,
    legacy_v1_id integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    CONSTRAINT restaurant_admin_users_restaurant_id_email_key UNIQUE (restaurant_id, email)
);

CREATE TABLE menuca_v3.restaurant_schedules (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    type menuca_v3.schedule_type NOT NULL,
    day_start smallint NOT NULL CONSTRAINT restaurant_schedules_day_start_check CHECK (day_start BETWEEN 1 AND 7),
    day_stop smallint NOT NULL CONSTRAINT restaurant_schedules_day_stop_check CHECK (day_stop BETWEEN 1 AND 7),
    time_start time NOT NULL,
    time_stop time NOT NULL,
    is_enabled boolean NOT NULL DEFAULT true,
    notes text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

CREATE TABLE menuca_v3.restaurant_special_schedules (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    schedule_type varchar(10) NOT NULL
        CONSTRAINT restaurant_special_schedules_type_check CHECK (schedule_type IN ('closed', 'open')),
    date_start date NOT NULL,
    date_stop date NOT NULL,
    time_start time,
    time_stop time,
    reason varchar(100),
    is_active boolean NOT NULL DEFAULT true,
    legacy_v1_id integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT restaurant_special_schedules_dates_check CHECK (date_stop >= date_start)
);

CREATE TABLE menuca_v3.restaurant_service_configs (
    id bigserial PRIMARY KEY,
    -- Not unique: V1 and V2 both produced rows for a few restaurants in the real load.
    restaurant_id bigint NOT NULL,
    delivery_enabled boolean NOT NULL DEFAULT false,
    delivery_time_minutes integer,
    delivery_min_order numeric(10, 2),
    takeout_enabled boolean NOT NULL DEFAULT false,
    takeout_time_minutes integer,
    takeout_discount_percent numeric(5, 2)
        CONSTRAINT restaurant_service_configs_discount_check CHECK (takeout_discount_percent BETWEEN 0 AND 100),
    accepts_tips boolean NOT NULL DEFAULT true,
    allows_preorders boolean NOT NULL DEFAULT false,
    is_bilingual boolean NOT NULL DEFAULT false,
    default_language varchar(2) NOT NULL DEFAULT 'en',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

CREATE TABLE menuca_v3.restaurant_time_periods (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    name varchar(50) NOT NULL,
    time_start time NOT NULL,
    time_stop time NOT NULL,
    is_enabled boolean NOT NULL DEFAULT true,
    display_order integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.restaurant_domains (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    domain varchar(255) NOT NULL,
    domain_type varchar(10) NOT NULL DEFAULT 'main'
        CONSTRAINT restaurant_domains_type_check CHECK (domain_type IN ('main', 'other', 'mobile')),
    is_enabled boolean NOT NULL DEFAULT true,
    legacy_v1_id integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

CREATE TABLE menuca_v3.restaurant_id_mapping (
    id bigserial PRIMARY KEY,
    new_restaurant_id bigint NOT NULL,
    old_restaurant_id integer NOT NULL,
    source_system varchar(2) NOT NULL
        CONSTRAINT restaurant_id_mapping_source_system_check CHECK (source_system IN ('v1', 'v2')),
    restaurant_name varchar(255),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT restaurant_id_mapping_source_system_old_restaurant_id_key UNIQUE (source_system, old_restaurant_id)
);

-- ---------------------------------------------------------------------------------------------
-- Menu and catalog
-- ---------------------------------------------------------------------------------------------

CREATE TABLE menuca_v3.courses (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    name varchar(255) NOT NULL,
    description text,
    display_order integer NOT NULL DEFAULT 0,
    is_active boolean NOT NULL DEFAULT true,
    legacy_v1_id integer,
    legacy_v2_id integer,
    source_system varchar(2) CONSTRAINT courses_source_system_check CHECK (source_system IN ('v1', 'v2')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

CREATE TABLE menuca_v3.dishes (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    course_id bigint,
    name varchar(500) NOT NULL,
    description text,
    base_price numeric(10, 2) CONSTRAINT dishes_base_price_check CHECK (base_price >= 0),
    -- Per-size prices, e.g. {"S": 9.99, "L": 14.99}; NULL when the dish has one price.
    prices jsonb CONSTRAINT dishes_prices_check CHECK (prices IS NULL OR jsonb_typeof(prices) = 'object'),
    size_options jsonb CONSTRAINT dishes_size_options_check CHECK (size_options IS NULL OR jsonb_typeof(size_options) = 'array'),
    display_order integer NOT NULL DEFAULT 0,
    is_active boolean NOT NULL DEFAULT true,
    legacy_v1_id integer,
    legacy_v2_id integer,
    -- 'v3' marks dishes created after the migration.
    source_system varchar(2) CONSTRAINT dishes_source_system_check CHECK (source_system IN ('v1', 'v2', 'v3')),
    source_id bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

CREATE TABLE menuca_v3.ingredients (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    name varchar(255) NOT NULL,
    ingredient_type varchar(20),
    base_price numeric(10, 2) CONSTRAINT ingredients_base_price_check CHECK (base_price >= 0),
    price_by_size jsonb,
    display_order integer NOT NULL DEFAULT 0,
    is_active boolean NOT NULL DEFAULT true,
    legacy_v1_id integer,
    legacy_v2_id integer,
    source_system varchar(2) CONSTRAINT ingredients_source_system_check CHECK (source_system IN ('v1', 'v2')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

CREATE TABLE menuca_v3.ingredient_groups (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    name varchar(255) NOT NULL,
    -- V1's group codes: custom ingredients, extras, side dishes, drinks, sauces, bread, dressing,
    -- cooking method.
    group_type varchar(2) NOT NULL
        CONSTRAINT ingredient_groups_group_type_check CHECK (group_type IN ('ci', 'e', 'sd', 'd', 'sa', 'br', 'dr', 'cm')),
    applies_to_course bigint,
    applies_to_dish bigint,
    is_active boolean NOT NULL DEFAULT true,
    legacy_v1_id integer,
    legacy_v2_id integer,
    source_system varchar(2) CONSTRAINT ingredient_groups_source_system_check CHECK (source_system IN ('v1', 'v2')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.ingredient_group_items (
    id bigserial PRIMARY KEY,
    ingredient_group_id bigint NOT NULL,
    ingredient_id bigint NOT NULL,
    base_price numeric(10, 2) CONSTRAINT ingredient_group_items_base_price_check CHECK (base_price >= 0),
    price_by_size jsonb,
    is_included boolean NOT NULL DEFAULT false,
    display_order integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.dish_modifiers (
    id bigserial PRIMARY KEY,
    dish_id bigint NOT NULL,
    ingredient_id bigint,
    ingredient_group_id bigint,
    restaurant_id bigint NOT NULL,
    base_price numeric(10, 2) CONSTRAINT dish_modifiers_base_price_check CHECK (base_price >= 0),
    price_by_size jsonb,
    modifier_type varchar(20) NOT NULL
        CONSTRAINT dish_modifiers_modifier_type_check
        CHECK (modifier_type IN ('custom_ingredients', 'extras', 'side_dishes', 'drinks', 'sauces', 'bread', 'dressing', 'cooking_method')),
    is_included boolean NOT NULL DEFAULT false,
    display_order integer NOT NULL DEFAULT 0,
    legacy_v1_id integer,
    legacy_v2_id integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dish_modifiers_target_check CHECK (ingredient_id IS NOT NULL OR ingredient_group_id IS NOT NULL)
);

CREATE TABLE menuca_v3.dish_customizations (
    id bigserial PRIMARY KEY,
    dish_id bigint NOT NULL,
    customization_type varchar(2) NOT NULL
        CONSTRAINT dish_customizations_type_check CHECK (customization_type IN ('ci', 'e', 'sd', 'd', 'sa', 'br', 'dr', 'cm')),
    ingredient_group_id bigint,
    title varchar(255),
    min_selections integer NOT NULL DEFAULT 0,
    max_selections integer NOT NULL DEFAULT 0,
    free_selections integer NOT NULL DEFAULT 0,
    is_required boolean NOT NULL DEFAULT false,
    display_order integer NOT NULL DEFAULT 0,
    legacy_v1_id integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dish_customizations_selections_check CHECK (min_selections >= 0 AND max_selections >= min_selections),
    CONSTRAINT dish_customizations_dish_id_customization_type_key UNIQUE (dish_id, customization_type)
);

-- ---------------------------------------------------------------------------------------------
-- Combos
-- ---------------------------------------------------------------------------------------------

CREATE TABLE menuca_v3.combo_groups (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    name varchar(255) NOT NULL,
    description text,
    -- V1 rules, e.g. {"item_count": 2, "display_header": "...", "modifier_rules": {...}}.
    combo_rules jsonb CONSTRAINT combo_groups_combo_rules_check CHECK (combo_rules IS NULL OR jsonb_typeof(combo_rules) = 'object'),
    is_active boolean NOT NULL DEFAULT true,
    legacy_v1_id integer,
    legacy_v2_id integer,
    source_system varchar(2) NOT NULL CONSTRAINT combo_groups_source_system_check CHECK (source_system IN ('v1', 'v2')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

CREATE TABLE menuca_v3.combo_items (
    id bigserial PRIMARY KEY,
    combo_group_id bigint NOT NULL,
    dish_id bigint NOT NULL,
    quantity integer NOT NULL DEFAULT 1 CONSTRAINT combo_items_quantity_check CHECK (quantity > 0),
    is_required boolean NOT NULL DEFAULT false,
    display_order integer NOT NULL DEFAULT 0,
    source_system varchar(10),
    source_id bigint,
    created_at timestamptz NOT NULL DEFAULT now()
    -- No unique constraint on (combo_group_id, dish_id): the real schema had none, so a repair
    -- that inserts twice creates duplicates.
);

CREATE TABLE menuca_v3.combo_group_modifier_pricing (
    id bigserial PRIMARY KEY,
    combo_group_id bigint NOT NULL,
    ingredient_group_id bigint NOT NULL,
    group_type varchar(2),
    pricing_rules jsonb NOT NULL,
    legacy_v1_id integer,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.combo_steps (
    id bigserial PRIMARY KEY,
    combo_item_id bigint NOT NULL,
    step_number integer NOT NULL CONSTRAINT combo_steps_step_number_check CHECK (step_number > 0),
    step_label varchar(255),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------
-- Delivery
-- ---------------------------------------------------------------------------------------------

CREATE TABLE menuca_v3.delivery_company_emails (
    id bigserial PRIMARY KEY,
    email varchar(255) NOT NULL CONSTRAINT delivery_company_emails_email_key UNIQUE,
    company_name varchar(255),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.restaurant_delivery_companies (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    company_email_id bigint NOT NULL,
    send_to_delivery boolean NOT NULL DEFAULT true,
    disable_until timestamptz,
    notes text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.restaurant_delivery_fees (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    company_email_id bigint,
    fee_type varchar(10) NOT NULL CONSTRAINT restaurant_delivery_fees_fee_type_check CHECK (fee_type IN ('distance', 'area')),
    tier_value integer NOT NULL,
    total_delivery_fee numeric(10, 2) NOT NULL CONSTRAINT restaurant_delivery_fees_total_check CHECK (total_delivery_fee >= 0),
    driver_earning numeric(10, 2),
    restaurant_pays numeric(10, 2),
    vendor_pays numeric(10, 2),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.restaurant_delivery_config (
    id bigserial PRIMARY KEY,
    -- Not unique (see restaurant_service_configs).
    restaurant_id bigint NOT NULL,
    delivery_method varchar(20) NOT NULL DEFAULT 'in_house'
        CONSTRAINT restaurant_delivery_config_method_check CHECK (delivery_method IN ('in_house', 'third_party', 'disabled')),
    delivery_partner varchar(50),
    default_fee numeric(10, 2),
    min_order numeric(10, 2),
    max_distance_km numeric(6, 2),
    uses_distance_fees boolean NOT NULL DEFAULT false,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

CREATE TABLE menuca_v3.restaurant_delivery_areas (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    area_number integer NOT NULL,
    area_name varchar(100),
    delivery_fee numeric(10, 2),
    min_order numeric(10, 2),
    -- GeoJSON polygon as the V2 admin stored it.
    geometry jsonb,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.restaurant_partner_schedules (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    partner varchar(50) NOT NULL,
    day_start smallint NOT NULL CONSTRAINT restaurant_partner_schedules_day_start_check CHECK (day_start BETWEEN 1 AND 7),
    day_stop smallint NOT NULL CONSTRAINT restaurant_partner_schedules_day_stop_check CHECK (day_stop BETWEEN 1 AND 7),
    time_start time NOT NULL,
    time_stop time NOT NULL,
    is_enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.restaurant_twilio_config (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL
        CONSTRAINT restaurant_twilio_config_restaurant_id_key UNIQUE,
    enable_call boolean NOT NULL DEFAULT false,
    phone_number varchar(20),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

-- ---------------------------------------------------------------------------------------------
-- Marketing
-- ---------------------------------------------------------------------------------------------

CREATE TABLE menuca_v3.promotional_deals (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    name varchar(255) NOT NULL,
    description text,
    deal_type varchar(20) NOT NULL
        CONSTRAINT promotional_deals_deal_type_check CHECK (deal_type IN ('percent', 'amount', 'free_item', 'bogo')),
    discount_percent numeric(5, 2) CONSTRAINT promotional_deals_percent_check CHECK (discount_percent BETWEEN 0 AND 100),
    discount_amount numeric(10, 2),
    minimum_purchase numeric(10, 2),
    date_start date,
    date_stop date,
    is_enabled boolean NOT NULL DEFAULT true,
    legacy_v1_id integer,
    legacy_v2_id integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    CONSTRAINT promotional_deals_dates_check CHECK (date_stop >= date_start)
);

CREATE TABLE menuca_v3.promotional_coupons (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    code varchar(50) NOT NULL,
    name varchar(255),
    discount_type varchar(20) NOT NULL
        CONSTRAINT promotional_coupons_discount_type_check CHECK (discount_type IN ('percent', 'amount', 'free_delivery')),
    discount_amount numeric(10, 2) NOT NULL CONSTRAINT promotional_coupons_discount_check CHECK (discount_amount >= 0),
    minimum_purchase numeric(10, 2),
    valid_from date,
    valid_until date,
    is_active boolean NOT NULL DEFAULT true,
    is_used boolean NOT NULL DEFAULT false,
    legacy_v1_id integer,
    legacy_v2_id integer,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.marketing_tags (
    id bigserial PRIMARY KEY,
    name varchar(100) NOT NULL CONSTRAINT marketing_tags_name_key UNIQUE,
    slug varchar(100) NOT NULL CONSTRAINT marketing_tags_slug_key UNIQUE,
    description text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.restaurant_tag_associations (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    tag_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------
-- Users and admins
-- ---------------------------------------------------------------------------------------------

CREATE TABLE menuca_v3.users (
    id bigserial PRIMARY KEY,
    -- Unique case-insensitively through idx_users_email_lower (30_indexes.sql), not here.
    email varchar(255) NOT NULL,
    password_hash text,
    first_name varchar(100),
    last_name varchar(100),
    phone varchar(20),
    language varchar(2) NOT NULL DEFAULT 'en' CONSTRAINT users_language_check CHECK (language IN ('en', 'fr')),
    origin_restaurant_id bigint,
    -- The link to Supabase auth (auth.users.id) used by end-user policies.
    auth_user_id uuid CONSTRAINT users_auth_user_id_key UNIQUE,
    newsletter_subscribed boolean NOT NULL DEFAULT false,
    email_verified_at timestamptz,
    login_count integer NOT NULL DEFAULT 0 CONSTRAINT users_login_count_check CHECK (login_count >= 0),
    last_login_at timestamptz,
    legacy_v1_id integer,
    legacy_v2_id integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

CREATE TABLE menuca_v3.user_addresses (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    label varchar(50),
    street_address varchar(255) NOT NULL,
    unit_number varchar(50),
    city_id bigint,
    postal_code varchar(7),
    latitude numeric(10, 8),
    longitude numeric(11, 8),
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.user_favorite_restaurants (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    restaurant_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_favorite_restaurants_user_id_restaurant_id_key UNIQUE (user_id, restaurant_id)
);

CREATE TABLE menuca_v3.password_reset_tokens (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    token_hash varchar(128) NOT NULL CONSTRAINT password_reset_tokens_token_hash_key UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.autologin_tokens (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    token_hash varchar(128) NOT NULL CONSTRAINT autologin_tokens_token_hash_key UNIQUE,
    expires_at timestamptz NOT NULL,
    last_used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.admin_users (
    id bigserial PRIMARY KEY,
    -- Not unique: V1 and V2 admin accounts of one person were both migrated.
    email varchar(255) NOT NULL,
    first_name varchar(100),
    last_name varchar(100),
    password_hash text,
    permissions jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_active boolean NOT NULL DEFAULT true,
    last_login_at timestamptz,
    legacy_v1_id integer,
    legacy_v2_id integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);

CREATE TABLE menuca_v3.admin_user_restaurants (
    id bigserial PRIMARY KEY,
    admin_user_id bigint NOT NULL,
    restaurant_id bigint NOT NULL,
    role varchar(20) NOT NULL DEFAULT 'manager'
        CONSTRAINT admin_user_restaurants_role_check CHECK (role IN ('owner', 'manager', 'staff')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE menuca_v3.devices (
    id bigserial PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    device_uuid uuid NOT NULL CONSTRAINT devices_device_uuid_key UNIQUE,
    device_name varchar(100),
    device_type varchar(20) NOT NULL DEFAULT 'tablet'
        CONSTRAINT devices_device_type_check CHECK (device_type IN ('tablet', 'printer', 'phone')),
    is_active boolean NOT NULL DEFAULT true,
    last_seen_at timestamptz,
    legacy_v1_id integer,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- updated_at maintenance, as the V3 schema had it on restaurants.
CREATE FUNCTION menuca_v3.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $fn$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$fn$;

CREATE TRIGGER restaurants_set_updated_at
    BEFORE UPDATE ON menuca_v3.restaurants
    FOR EACH ROW EXECUTE FUNCTION menuca_v3.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Raw legacy loads: text columns, no keys, exactly as they were imported from V1's MySQL dump.
-- ---------------------------------------------------------------------------------------------

CREATE SCHEMA staging;
COMMENT ON SCHEMA staging IS 'Raw legacy loads (V1 MySQL exports), text-typed; not exposed to the API.';

-- V1's combo junction: which dish belongs to which combo group.
CREATE TABLE staging.menuca_v1_combos (
    id text,
    dish text,
    "group" text,
    "order" text
);

-- V1's full menu: menu rows and ingredient rows; their ids share one id space, so an id can be
-- ambiguous (present once as a menu row and once as an ingredient row).
CREATE TABLE staging.menuca_v1_menu_full (
    id text,
    course text,
    restaurant text,
    sku text,
    name text,
    source_type text
);
