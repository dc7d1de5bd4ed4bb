"""Transactions with the short lock profile (for policy and table DDL, which takes ACCESS EXCLUSIVE
locks): every lock up front with NOWAIT polling, verification inside the transaction, bounded
retries with backoff, and the sessions that held the locks named when it gives up."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, LiteralString, cast

import psycopg
from psycopg import errors, sql

from server import db
from server.runbook import Env
from tools.lib.causes import Cause, cause_of
from tools.results import Check
from tools.step import StepContext

# The short lock profile of policy DDL (SDK_NOTES: ACCESS EXCLUSIVE; never queue readers for long):
# an attempt polls LOCK TABLE … NOWAIT for LOCK_WAIT_S (never waiting inside it, so readers are never
# queued behind it and it cannot deadlock with them); a failed attempt is retried with backoff, a
# bounded number of times. lock_timeout bounds every other lock the transaction takes.
LOCK_WAIT_S = 2.0
STATEMENT_TIMEOUT = "60s"
LOCK_ATTEMPTS = 5
LOCK_POLL_S = (0.01, 0.02, 0.04, 0.05)  # between NOWAIT tries within an attempt; the last one repeats
BACKOFF_S = 0.5  # between attempts; doubled after every failed attempt
MAX_BACKOFF_S = 8.0


def lock_timeout() -> str:
    """LOCK_WAIT_S as a PostgreSQL interval ('2s', '300ms')."""
    ms = round(LOCK_WAIT_S * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


# -- transactions with the short lock profile --------------------------------------------------------------


@dataclass
class TxResult:
    committed: bool
    attempts: int = 0
    statements: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    error: str | None = None
    cause: Cause | None = None  # why it did not commit, when a statement failed or the locks never came


def _describe_blocker(row: Mapping[str, Any]) -> str:
    def at(value: datetime | None) -> str:
        return f"{value:%Y-%m-%d %H:%M:%S%z}" if value else "unknown"

    return (
        f"pid {row['pid']} ({row['application_name']}, user {row['user']}, {row['state']}, transaction "
        f"since {at(row['xact_start'])}, query started {at(row['query_start'])}) holds {row['locks']}; "
        f"query: {row['query']}"
    )


def _sleep(ctx: StepContext, seconds: float) -> None:
    """Back off without ignoring a halt or cancel for longer than a quarter second."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ctx.checkpoint()
        time.sleep(min(left, 0.25))


def _begin_locked(ctx: StepContext, conn: db.Conn, lock: str | None) -> None:
    """Begin the transaction with the short lock profile and hold every lock: LOCK TABLE … NOWAIT,
    retried (a fresh transaction each time) until LOCK_WAIT_S is spent; then LockNotAvailable."""
    deadline = time.monotonic() + LOCK_WAIT_S
    for tries in itertools.count():
        db.query_all(
            conn,
            db.sql_file("apply_rls/lock_profile.sql"),
            {"lock_timeout": lock_timeout(), "statement_timeout": STATEMENT_TIMEOUT},
        )
        if lock is None:
            return
        try:
            conn.execute(trusted_sql(lock))
            return
        except errors.LockNotAvailable:
            conn.rollback()
            if time.monotonic() >= deadline:
                raise
            ctx.checkpoint()
            time.sleep(LOCK_POLL_S[min(tries, len(LOCK_POLL_S) - 1)])
    raise AssertionError("unreachable")  # itertools.count() never ends


def in_transaction(
    ctx: StepContext,
    env: Env,
    watch: db.Conn,
    lock: str | None,
    statements_for: Callable[[db.Conn], list[str]],
    verify: Callable[[db.Conn], list[Check]],
    pause_point: str | None = None,
) -> TxResult:
    """Run one transaction: short lock profile, every lock up front (`lock`: one LOCK TABLE … NOWAIT
    statement naming them in a fixed order), the statements
    (a safe point between each), verification, then COMMIT; rolled back on any failure. An attempt
    that cannot get the locks within LOCK_WAIT_S (55P03; or a deadlock, 40P01) is rolled back and
    retried with backoff, LOCK_ATTEMPTS times at most, naming the sessions that held them."""
    conn = ctx.connect(env)
    result = TxResult(committed=False)
    try:
        for attempt in range(1, LOCK_ATTEMPTS + 1):
            result.attempts = attempt
            ctx.checkpoint()
            try:
                _begin_locked(ctx, conn, lock)
                statements = statements_for(conn)
                for statement in statements:
                    ctx.checkpoint()
                    conn.execute(trusted_sql(statement))
                result.statements = ([lock] if lock else []) + statements
                result.checks = verify(conn)
                if not all(c.passed for c in result.checks):
                    conn.rollback()
                    result.error = "verification inside the transaction failed: " + "; ".join(
                        c.name for c in result.checks if not c.passed
                    )
                    return result
                if pause_point:
                    ctx.pause(pause_point)
                ctx.checkpoint()
                conn.commit()
                result.committed = True
                return result
            except (errors.LockNotAvailable, errors.DeadlockDetected):
                conn.rollback()
                pids = [conn.info.backend_pid, watch.info.backend_pid]
                found = db.query_all(watch, db.sql_file("apply_rls/blockers.sql"), {"own_pids": pids})
                described = [_describe_blocker(r) for r in found] or [
                    "no session holds a lock on menuca_v3 any more (the blocker has finished)"
                ]
                result.blockers += [f"attempt {attempt}: {b}" for b in described]
                if attempt < LOCK_ATTEMPTS:
                    _sleep(ctx, min(BACKOFF_S * 2 ** (attempt - 1), MAX_BACKOFF_S))
            except psycopg.Error as exc:
                conn.rollback()
                ctx.checkpoint()  # a cancel interrupts the statement: report it as the interruption it is
                result.error = f"{exc.sqlstate or ''} {exc.diag.message_primary or exc}".strip()
                result.cause = cause_of(exc)
                return result
        result.error = (
            f"could not lock the tables within {lock_timeout()} in {LOCK_ATTEMPTS} attempts: other sessions "
            "hold locks on them"
        )
        result.cause = Cause(
            "lock",
            result.error,
            "other sessions held locks on the tables through every attempt",
            "let the sessions named in blocking_sessions finish (or end them)",
        )
        return result
    finally:
        # A halt or cancel (StepInterrupted) or any error leaves here too: nothing uncommitted survives.
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                conn.rollback()
            except psycopg.Error:
                conn.close()


def trusted_sql(text: str) -> sql.SQL:
    """A statement from a shipped sql/ file, or written by PostgreSQL's format() from one (trusted)."""
    return sql.SQL(cast(LiteralString, text))  # type: ignore[redundant-cast]
