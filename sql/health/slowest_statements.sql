-- The slowest queries of this database by mean execution time (cumulative since pg_stat_statements was
-- last reset), with leading comments stripped and whitespace collapsed; utility statements (DDL,
-- COPY, VACUUM…) are left out: the slow ones are this tool's own index builds and dumps.
WITH statements AS (
    SELECT regexp_replace(regexp_replace(s.query, '^(\s*--[^\n]*\n)*\s*', ''), '\s+', ' ', 'g') AS query,
           s.calls, s.mean_exec_time, s.total_exec_time
    FROM {schema}.pg_stat_statements AS s
    WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND s.calls > 0
)
SELECT left(query, 200) AS query,
       calls,
       round(mean_exec_time::numeric, 3)::float8 AS mean_ms,
       round(total_exec_time::numeric, 1)::float8 AS total_ms
FROM statements
WHERE query ~* '^(select|with|insert|update|delete|merge)\M'
ORDER BY mean_exec_time DESC
LIMIT %(limit)s
