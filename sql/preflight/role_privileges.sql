-- Every privilege the run needs, as facts about the connected role (tools/lib/privileges.py turns
-- each lack into a failed check naming the statement that fixes it). Reads catalogs only; works on
-- PostgreSQL 15 and later (membership through pg_has_role … 'MEMBER', which both accept).
WITH me AS (
    SELECT r.oid, r.rolname, r.rolsuper, r.rolcreatedb FROM pg_roles r WHERE r.rolname = current_user
),
app_schemas AS (
    SELECT n.oid, n.nspname FROM pg_namespace n WHERE n.nspname IN ('menuca_v3', 'staging')
),
-- what a full restore drops and recreates, and what apply_indexes and apply_rls alter: the
-- schemas' relations, functions and types (array types and tables' row types go with their owner)
app_objects AS (
    SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind,
           format('%I.%I', s.nspname, c.relname) AS name, c.relowner AS owner
      FROM pg_class c JOIN app_schemas s ON s.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
           format('%I.%I(%s)', s.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), p.proowner
      FROM pg_proc p JOIN app_schemas s ON s.oid = p.pronamespace
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', s.nspname, t.typname), t.typowner
      FROM pg_type t JOIN app_schemas s ON s.oid = t.typnamespace
     WHERE t.typrelid = 0 AND t.typelem = 0
),
auth_functions AS (
    SELECT f.signature, to_regprocedure(f.signature) AS oid
      FROM unnest(ARRAY['auth.jwt()', 'auth.uid()']) AS f(signature)
)
SELECT
    me.rolname AS role,
    me.rolsuper AS superuser,
    me.rolcreatedb OR me.rolsuper AS createdb,
    current_database() AS database,
    has_database_privilege(current_database(), 'CREATE') AS database_create,
    (SELECT pg_get_userbyid(d.datdba) FROM pg_database d WHERE d.datname = current_database()) AS database_owner,
    to_regnamespace('menuca_migrate') IS NOT NULL AS bookkeeping_exists,
    coalesce((SELECT pg_has_role(me.oid, n.nspowner, 'USAGE') FROM pg_namespace n
               WHERE n.nspname = 'menuca_migrate'), false) AS bookkeeping_owned,
    (SELECT pg_get_userbyid(n.nspowner) FROM pg_namespace n WHERE n.nspname = 'menuca_migrate')
        AS bookkeeping_owner,
    (SELECT count(*) FROM app_objects o WHERE NOT pg_has_role(me.oid, o.owner, 'USAGE')) AS not_owned_count,
    ARRAY(SELECT lower(o.kind) || ' ' || o.name || ' (owner ' || pg_get_userbyid(o.owner) || ')'
            FROM app_objects o WHERE NOT pg_has_role(me.oid, o.owner, 'USAGE')
           ORDER BY o.kind, o.name LIMIT 10) AS not_owned,
    ARRAY(SELECT format('ALTER %s %s OWNER TO %I;', o.kind, o.name, me.rolname)
            FROM app_objects o WHERE NOT pg_has_role(me.oid, o.owner, 'USAGE')
           ORDER BY o.kind, o.name LIMIT 10) AS ownership_fixes,
    ARRAY(SELECT s.nspname::text FROM app_schemas s
           WHERE NOT (has_schema_privilege(me.oid, s.oid, 'USAGE') AND has_schema_privilege(me.oid, s.oid, 'CREATE'))
           ORDER BY 1) AS schemas_without_create,
    ARRAY(SELECT r FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r
           WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) ORDER BY 1) AS roles_missing,
    ARRAY(SELECT r.rolname::text FROM pg_roles r
           WHERE r.rolname IN ('anon', 'authenticated') AND NOT pg_has_role(me.oid, r.oid, 'MEMBER')
           ORDER BY 1) AS roles_not_settable,
    ARRAY(SELECT f.signature FROM auth_functions f WHERE f.oid IS NULL ORDER BY 1) AS auth_missing,
    ARRAY(SELECT DISTINCT r.rolname::text
            FROM pg_roles r CROSS JOIN auth_functions f
           WHERE r.rolname IN (current_user, 'anon', 'authenticated')
             AND CASE WHEN f.oid IS NULL THEN false  -- missing: reported as auth_missing
                      ELSE NOT (has_schema_privilege(r.oid, to_regnamespace('auth'), 'USAGE')
                                AND has_function_privilege(r.oid, f.oid, 'EXECUTE')) END
           ORDER BY 1) AS auth_not_callable,
    me.rolsuper OR pg_has_role(me.oid, 'pg_read_all_stats', 'MEMBER') AS sees_all_sessions,
    ARRAY(SELECT DISTINCT pg_get_userbyid(d.defaclrole)
            FROM pg_default_acl d JOIN app_schemas s ON s.oid = d.defaclnamespace
           WHERE NOT pg_has_role(me.oid, d.defaclrole, 'USAGE')
           ORDER BY 1) AS foreign_default_acl_roles
FROM me
