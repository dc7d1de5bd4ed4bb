-- The exact row count of one table ({table} is composed with psycopg.sql.Identifier).
SELECT count(*) AS row_count FROM {table}
