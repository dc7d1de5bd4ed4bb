-- apply_rls: DROP POLICY for each given (table, policy); only ever called with apply_rls's own
-- policies (named menuca_rls_*). Identifiers quoted by format().
SELECT format('DROP POLICY %%I ON menuca_v3.%%I', p.name, p.tbl) AS statement
FROM unnest(%(tables)s::text[], %(names)s::text[]) AS p(tbl, name)
ORDER BY p.tbl COLLATE "C", p.name COLLATE "C"
