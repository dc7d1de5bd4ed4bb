-- apply_rls: the one LOCK TABLE that takes ACCESS EXCLUSIVE on the given tables up front, in a fixed
-- (byte-wise alphabetical) order, NOWAIT. apply_rls polls it (rolling back between tries) until its
-- lock budget is spent instead of waiting inside it, because a waiting multi-table lock both queues
-- every new reader of the tables behind it and can deadlock with a reader that holds one table and
-- asks for another (a menu query holds dishes and then asks for courses, which sorts first).
-- Identifiers quoted by format().
SELECT 'LOCK TABLE '
       || string_agg(format('menuca_v3.%%I', t.name), ', ' ORDER BY t.name COLLATE "C")
       || ' IN ACCESS EXCLUSIVE MODE NOWAIT' AS statement
FROM unnest(%(tables)s::text[]) AS t(name)
