"""Is this connection direct or through a session-mode pooler? A transaction-mode pooler (PgBouncer's
pool_mode = transaction, Supabase's port 6543) breaks SET and session advisory locks: detect it by
behaviour, since nothing in the protocol says so."""

from __future__ import annotations

from server import db
from server.errors import NotConfigured
from server.runbook import Env
from tools.results import Check
from tools.step import check

SUPABASE_TRANSACTION_POOLER_PORT = 6543
EXPECTED = "session kept across transactions, a server session of its own"
PROBES = 3
ADVICE = (
    "use the direct connection or a session-mode pooler port (Supabase: the direct connection "
    "db.<project>.supabase.co:5432 or the session pooler's port 5432, not the transaction pooler's 6543)"
)


def _backend_pid(conn: db.Conn) -> int:
    row = db.query_one(conn, "SELECT pg_backend_pid() AS pid")
    assert row is not None
    return int(row["pid"])


def transaction_pooling(conn: db.Conn, dsn: str, run_id: str | None) -> str | None:
    """What shows `conn` goes through a transaction- or statement-mode pooler, or None.

    A direct or session-mode connection keeps one server session for its life, and no other client
    session ever shares it; behind transaction pooling the next transaction of any client may get
    the server session another client just used (PgBouncer reuses the last one freed first)."""
    port = conn.info.port
    if port == SUPABASE_TRANSACTION_POOLER_PORT:
        return f"port {port} is Supabase's transaction-mode pooler"
    first = db.query_one(
        conn, "SELECT set_config('menuca.pooler_probe', 'kept', false) AS v, pg_backend_pid() AS pid"
    )
    assert first is not None
    mine = int(first["pid"])
    with db.session(dsn, run_id=run_id, autocommit=True) as other:
        for _ in range(PROBES):
            theirs = _backend_pid(other)
            if theirs == mine:
                return f"another client session was served by this session's server backend (pid {mine})"
            again = db.query_one(
                conn, "SELECT current_setting('menuca.pooler_probe', true) AS v, pg_backend_pid() AS pid"
            )
            assert again is not None
            if int(again["pid"]) != mine or again["v"] != "kept":
                return (
                    f"the server session changed between two transactions (backend {mine}, then "
                    f"{again['pid']}) and lost its settings"
                )
    return None


def session_check(env: Env, conn: db.Conn, dsn: str, run_id: str | None) -> Check:
    """Preflight's check: a transaction-mode pooler fails it, saying which port to use instead."""
    evidence = transaction_pooling(conn, dsn, run_id)
    actual = EXPECTED if evidence is None else f"a transaction-mode pooler: {evidence}; {ADVICE}"
    return check(f"{env}: direct or session-mode connection", EXPECTED, actual, passed=evidence is None)


def lock_is_safe(conn: db.Conn, dsn: str, run_id: str, env: Env, best_effort: bool) -> bool:
    """May the guard take its session advisory lock on `conn`? Behind a transaction-mode pooler the
    lock would stay on a pooled server session after the call (and refuse every later call LOCKED):
    preflight (best_effort) takes none and fails its session check; any other call is refused."""
    evidence = transaction_pooling(conn, dsn, run_id)
    if evidence is None:
        return True
    if best_effort:
        return False
    raise NotConfigured(
        f"the {env} database is reached through a transaction-mode pooler ({evidence}): {ADVICE}"
    )
