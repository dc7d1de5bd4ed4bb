-- apply_rls: DROP FUNCTION for each of its own helper functions that must go (never CASCADE: a
-- policy that still depends on one makes the drop fail, and the transaction with it).
SELECT format('DROP FUNCTION menuca_v3.%%I(%%s)', f.name, f.arguments) AS statement
FROM unnest(%(names)s::text[], %(arguments)s::text[]) AS f(name, arguments)
ORDER BY f.name COLLATE "C"
