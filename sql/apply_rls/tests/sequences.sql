-- The sequences of menuca_v3 and their last values, read before and after the matrix: no test may
-- advance one (every matrix insert gives its id explicitly).
SELECT sequencename AS sequence, last_value
FROM pg_sequences
WHERE schemaname = 'menuca_v3'
ORDER BY sequencename
