-- Advisor: an empty search_path for the rest of the (read-only, rolled back) transaction the lint
-- queries run in, so that pg_get_expr() writes every function in a policy with its schema.
SELECT set_config('search_path', '', true) AS search_path
