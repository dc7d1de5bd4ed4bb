"""Crash machinery shared by the crash, concurrency and reliability checks: start `menuca-migrate serve`
over stdio with the pause hook armed, wait for `PAUSED <point>` on its stderr, SIGKILL it, and ask the
database what the dead server left behind."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import psycopg

from server.dev.client import ToolOutcome, call_tool, connect
from server.journal import JOURNAL

T = TypeVar("T")

PAUSE_S = 60  # far longer than any test waits: the server is killed inside the pause
PAUSE_WAIT_S = 45.0


@dataclass
class Killed:
    """A server SIGKILLed while paused inside a tool call."""

    pid: int
    run_id: str
    seconds_to_pause: float
    killed_at: float  # time.monotonic() of the SIGKILL
    client_error: str  # what the pending call raised when the pipe closed


def wait_until(predicate: Callable[[], T], timeout: float, what: str, every: float = 0.05) -> T:
    """Poll until predicate() is truthy (returns it); fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(every)


async def await_until(predicate: Callable[[], T], timeout: float, what: str, every: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await anyio.sleep(every)


def journal_events(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / JOURNAL
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def last_started(run_dir: Path) -> dict[str, Any] | None:
    started = [e for e in journal_events(run_dir) if e["event"] == "started"]
    return started[-1] if started else None


def paused_env(env: dict[str, str], point: str, seconds: float = PAUSE_S) -> dict[str, str]:
    return {**env, "MENUCA_TEST_HOOKS": "1", "MENUCA_TEST_PAUSE": f"{point}:{seconds:g}"}


async def kill_during(
    env: dict[str, str],
    run_dir: Path,
    point: str,
    tool: str,
    args: dict[str, Any],
    errfile: Path,
    while_paused: Callable[[], Awaitable[object]] | None = None,
) -> Killed:
    """Call `tool` on a new server paused at `point`; SIGKILL the server once it says PAUSED (after
    awaiting `while_paused`, when given, with the call still in flight)."""
    pending: list[BaseException | ToolOutcome] = []

    async def call(client: Any) -> None:
        try:
            pending.append(await call_tool(client, tool, args))
        except Exception as exc:  # noqa: BLE001 - the server dies under the call: whatever the client raises is the claim
            pending.append(exc)

    killed: Killed | None = None
    begun = time.monotonic()
    with open(errfile, "w", encoding="utf-8") as err, anyio.fail_after(PAUSE_WAIT_S + 30):
        try:
            async with connect(paused_env(env, point), errlog=err) as client, anyio.create_task_group() as tg:
                tg.start_soon(call, client)
                await await_until(
                    lambda: f"PAUSED {point}" in errfile.read_text(encoding="utf-8") or pending,
                    PAUSE_WAIT_S,
                    f"PAUSED {point} on the server's stderr",
                )
                assert not pending, f"the call ended before pausing at {point}: {pending}"
                seconds = time.monotonic() - begun
                started = last_started(run_dir)
                assert started is not None and started["tool"] == tool
                pid = int(started["details"]["pid"])
                if while_paused is not None:
                    await while_paused()
                    assert not pending, f"the call ended while it should be paused at {point}: {pending}"
                os.kill(pid, signal.SIGKILL)
                killed_at = time.monotonic()
                await await_until(lambda: pending, 15, "the pending call to end when the server died")
                killed = Killed(pid, str(started["run_id"]), seconds, killed_at, repr(pending[0]))
        except Exception:  # a dead server's transport fails on the way out (often as an ExceptionGroup)
            if killed is None:
                raise
    assert killed is not None
    assert not isinstance(pending[0], ToolOutcome), (
        f"the call returned although the server was killed: {pending}"
    )
    return killed


def run_backends(dsn: str, run_id: str) -> list[dict[str, Any]]:
    """The sessions of this run (application_name menuca-migrate/<run_id>) on that database."""
    with psycopg.connect(dsn, autocommit=True, application_name="menuca-test") as conn:
        rows = conn.execute(
            "SELECT pid, state, left(query, 80) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [f"menuca-migrate/{run_id}"[:63]],
        ).fetchall()
    return [{"pid": r[0], "state": r[1], "query": r[2]} for r in rows]


def wait_backends_gone(dsn: str, run_id: str, timeout: float = 10.0) -> float:
    """Seconds until no session of the run is left on the database (the dead server's end by themselves)."""
    begun = time.monotonic()
    wait_until(lambda: not run_backends(dsn, run_id), timeout, f"the sessions of {run_id} to end")
    return time.monotonic() - begun


def duplicate_combo_pairs(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(
        "SELECT count(*) FROM (SELECT combo_group_id, dish_id FROM menuca_v3.combo_items "
        "GROUP BY combo_group_id, dish_id HAVING count(*) > 1) d"
    ).fetchone()
    return int(row[0]) if row else 0


def tables_without_rls(conn: psycopg.Connection[Any]) -> list[str]:
    """menuca_v3 tables that lack RLS or lack policies (an incomplete policy set)."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'menuca_v3' AND c.relkind IN ('r', 'p') AND (NOT c.relrowsecurity OR NOT EXISTS "
        "(SELECT 1 FROM pg_policies p WHERE p.schemaname = 'menuca_v3' AND p.tablename = c.relname)) "
        "ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def rls_state(conn: psycopg.Connection[Any]) -> tuple[int, int]:
    """(tables with RLS enabled, policies) in menuca_v3."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'menuca_v3' AND c.relkind IN ('r', 'p') AND c.relrowsecurity), "
        "(SELECT count(*) FROM pg_policies WHERE schemaname = 'menuca_v3')"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
