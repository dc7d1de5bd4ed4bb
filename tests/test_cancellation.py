"""Cancellation over the real stdio wire: when the agent's client cancels a long apply_indexes, the
server cancels the backend running CREATE INDEX CONCURRENTLY, records the ticket FAILED "cancelled by
the client", leaves no INVALID index behind, and a re-run passes."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import psycopg
import pytest

from server.dev.client import call_tool, connect, server_env
from tests.crash import await_until, journal_events, run_backends
from tools.lib import catalog

pytestmark = pytest.mark.anyio

BUILD_QUERY = "CREATE INDEX CONCURRENTLY%"


def _waiting_builds(dsn: str, run_id: str) -> list[int]:
    """Backends of the run whose CREATE INDEX CONCURRENTLY waits on a lock (the holder's snapshot)."""
    with psycopg.connect(dsn, autocommit=True, application_name="menuca-test") as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND query LIKE %s "
            "AND state = 'active' AND wait_event_type = 'Lock'",
            [f"menuca-migrate/{run_id}"[:63], BUILD_QUERY],
        ).fetchall()
    return [r[0] for r in rows]


def _alive(dsn: str, pid: int) -> bool:
    with psycopg.connect(dsn, autocommit=True, application_name="menuca-test") as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND query LIKE %s AND state = 'active'",
            [pid, BUILD_QUERY],
        ).fetchone()
    return bool(row and row[0])


async def test_a_client_cancelling_apply_indexes_cancels_the_build_and_the_ticket_fails_with_the_reason(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    rb = runbook()
    assert rb.call("preflight")["status"] == "PASS"
    assert rb.call("backup", "staging")["status"] == "PASS"
    run_id = rb.guard.load_state().run_id
    run_dir = rb.guard.settings.run_dir
    # a young REPEATABLE READ transaction: not "long" to the pre-build check, but every concurrent
    # build waits for its snapshot before it can finish
    holder = rb.admin()
    holder.autocommit = False
    holder.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    holder.execute("SELECT count(*) FROM menuca_v3.dishes")
    env = server_env(
        staging_dsn=rb.staging_dsn,
        production_dsn=rb.production_dsn,
        run_dir=run_dir,
        soak_hours=0,
        require_approval=False,
    )
    try:
        with open(tmp_path / "server.stderr", "w", encoding="utf-8") as err:
            async with connect(env, errlog=err) as client:
                with anyio.CancelScope() as scope:
                    async with anyio.create_task_group() as tg:
                        tg.start_soon(call_tool, client, "apply_indexes", {"environment": "staging"})
                        build = (
                            await await_until(
                                lambda: _waiting_builds(rb.staging_dsn, str(run_id)),
                                30,
                                "a CREATE INDEX CONCURRENTLY waiting for the holder's snapshot",
                            )
                        )[0]
                        cancelled_at = time.monotonic()
                        scope.cancel()  # the client gives up: MCP sends notifications/cancelled
                assert scope.cancelled_caught
                await await_until(
                    lambda: not _alive(rb.staging_dsn, build), 5, "the build's backend to stop its query"
                )
                stopped_s = time.monotonic() - cancelled_at
                await anyio.sleep(1)  # the holder outlives the cancel a little, as a real one would
                holder.rollback()

                def failed() -> dict[str, Any] | None:
                    done = [
                        e for e in journal_events(run_dir) if e["event"] == "failed" and e["ticket"] == "02"
                    ]
                    return done[-1] if done else None

                event = await await_until(failed, 30, "the ticket to be recorded FAILED")
                result = event["details"]["result"]
                assert result["status"] == "FAIL"
                assert any("cancelled by the client" in str(c["actual"]) for c in result["checks"]), result
                assert "cancelled by the client" in result["summary"]
                assert rb.guard.status().model_dump()["tickets"][2]["status"] == "FAILED"
                with rb.admin() as conn:
                    assert catalog.invalid_indexes(conn) == []  # type: ignore[arg-type]
                await await_until(
                    lambda: not run_backends(rb.staging_dsn, str(run_id)), 10, "the call's sessions to close"
                )

                rerun = await call_tool(client, "apply_indexes", {"environment": "staging"})
                assert rerun.status == "PASS", rerun.text
    finally:
        holder.close()
    assert stopped_s < 3
