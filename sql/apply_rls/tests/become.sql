-- Become the API role with the given JWT claims for the rest of the current (sub)transaction, as
-- PostgREST does: set_config('role', …, true) is SET LOCAL ROLE, and both settings end with the
-- savepoint the test runs in.
SELECT set_config('role', %(role)s, true) AS role,
       set_config('request.jwt.claims', %(claims)s, true) AS claims
