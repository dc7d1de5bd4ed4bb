"""Rule 7's two locks: a file lock on the run directory held for the whole call, and a
pg_try_advisory_lock on each target database held by a dedicated idle autocommit session."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg

from server import db
from server.errors import NotConfigured
from server.runbook import Env
from server.settings import Settings
from tools.lib.identity import DatabaseIdentity, identity_of
from tools.lib.pooler import lock_is_safe

RUN_LOCK = ".run.lock"
# pg_try_advisory_lock key: "MENUCA1" as a bigint; seen in pg_locks as classid/objid.
ADVISORY_KEY = 0x4D454E55434131


class LockHeld(Exception):
    """Raised when another menuca-migrate call holds a lock; the message names it and what to do."""


@contextlib.contextmanager
def run_dir_lock(run_dir: Path) -> Iterator[None]:
    """The run directory's lock, without waiting; LockHeld when another call has it, NotConfigured
    when the run directory cannot hold a lock file."""
    try:
        fd = os.open(run_dir / RUN_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise NotConfigured(f"the run directory is not writable: {exc.strerror}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(
                "another menuca-migrate call is running on this run directory: wait for it to finish "
                "(call status), then call again."
            ) from None
        yield
    finally:
        os.close(fd)


def run_dir_lock_free(run_dir: Path) -> bool:
    """True when no call holds the run-dir lock (so an IN_PROGRESS ticket is really interrupted)."""
    try:
        with run_dir_lock(run_dir):
            return True
    except (LockHeld, NotConfigured):
        return False


@contextlib.contextmanager
def advisory_locks(
    settings: Settings, environments: tuple[Env, ...], run_id: str, best_effort: bool = False
) -> Iterator[list[int]]:
    """Hold the advisory lock on each database for the call, yielding the lock sessions' server pids;
    LockHeld when another session holds it. best_effort skips unreachable databases (preflight
    reports them as failed checks instead of being refused)."""
    held: list[db.Conn] = []
    locked: dict[DatabaseIdentity, db.Conn] = {}
    pids: list[int] = []
    try:
        for env in environments:
            # A dedicated autocommit session that stays idle: never the one doing the work, never a
            # transaction, never a blocking wait (a blocked waiter can deadlock with a concurrent build).
            dsn = settings.dsn(env) or ""
            try:
                conn = db.connect(dsn, run_id=run_id, autocommit=True)
            except NotConfigured:
                if best_effort:
                    continue
                raise
            except psycopg.Error as exc:  # the session's first statement failed (a 1 ms statement_timeout)
                if best_effort:
                    continue  # preflight reports the database's error as a failed check
                raise NotConfigured(_lock_session_error(env, exc)) from exc
            held.append(conn)
            try:
                # once per database: two DSNs that name one database (a misconfiguration preflight
                # reports as a FAIL) must not make a call wait for its own lock
                identity = identity_of(conn)
                if identity in locked:
                    continue
                if not lock_is_safe(conn, dsn, run_id, env, best_effort):
                    continue  # preflight's own check fails it; a session lock there would outlive the call
                row = db.query_one(
                    conn, "SELECT pg_try_advisory_lock(%s) AS ok, pg_backend_pid() AS pid", [ADVISORY_KEY]
                )
            except psycopg.Error as exc:  # e.g. a statement_timeout in the DSN's options
                if best_effort:
                    continue  # preflight reports the database's error as a failed check
                raise NotConfigured(_lock_session_error(env, exc)) from exc
            assert row is not None
            pids.append(int(row["pid"]))
            if not row["ok"]:
                holder = db.query_one(conn, db.sql_file("common/advisory_holder.sql"), {"key": ADVISORY_KEY})
                who = f" by {holder['application_name']} (pid {holder['pid']})" if holder else ""
                raise LockHeld(
                    f"another menuca-migrate call holds the lock on the {env} database{who}: wait for it "
                    "to finish (call status), then call again."
                )
            locked[identity] = conn
        # the server's pids, not libpq's: behind a pooler the key it hands out is its own
        yield pids
    finally:
        for conn in held:
            if conn in locked.values():  # a session-mode pooler resets the server session only after close
                with contextlib.suppress(psycopg.Error):
                    conn.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
            with contextlib.suppress(psycopg.Error):
                conn.close()


def _lock_session_error(env: Env, exc: psycopg.Error) -> str:
    return (
        f"the {env} database answered the lock session with an error "
        f"({exc.sqlstate} {exc.diag.message_primary or type(exc).__name__})"
    )
