-- Bytes the application schemas take on disk: an upper bound for a compressed dump of them.
SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('menuca_v3', 'staging') AND c.relkind IN ('r', 'p', 'm')
