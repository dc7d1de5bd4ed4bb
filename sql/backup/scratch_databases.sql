-- The scratch-restore databases of one run and environment on this server (named
-- menuca_verify_<run>_<environment>_<token>): what a failed or killed verification left behind, with
-- whether this role may drop them.
SELECT d.datname AS name,
       pg_has_role(current_user, d.datdba, 'MEMBER') AS droppable
FROM pg_database d
WHERE starts_with(d.datname, %(prefix)s)
ORDER BY 1
