"""Two real servers (two stdio processes) on the same databases: while one runs a step the other is
refused LOCKED within 2 s without waiting on it, and a lock held by a SIGKILLed server dies with it.
Same run directory: the run-dir flock refuses; different run directories: the advisory lock on the
database refuses, naming the holder."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.dev.client import ToolOutcome, call_tool, connect, server_env
from tests.crash import kill_during, wait_backends_gone

pytestmark = pytest.mark.anyio

STAGING = {"environment": "staging"}
REFUSE_WITHIN_S = 2.0


def _env(rb: Any, run_dir: Path) -> dict[str, str]:
    return server_env(
        staging_dsn=rb.staging_dsn,
        production_dsn=rb.production_dsn,
        run_dir=run_dir,
        soak_hours=0,
        require_approval=False,
    )


async def _timed(client: Any, tool: str, args: dict[str, Any] | None = None) -> tuple[ToolOutcome, float]:
    begun = time.monotonic()
    outcome = await call_tool(client, tool, args)
    return outcome, time.monotonic() - begun


async def test_a_second_server_on_the_same_run_is_refused_locked_at_once_and_finishes_once_the_holder_dies(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    rb = runbook()
    assert rb.call("preflight")["status"] == "PASS"
    run_dir = rb.guard.settings.run_dir
    env = _env(rb, run_dir)
    seen: dict[str, Any] = {}
    with open(tmp_path / "second.stderr", "w", encoding="utf-8") as err:
        async with connect(env, errlog=err) as second:

            async def while_the_first_runs() -> None:
                seen["refusals"] = [await _timed(second, "backup", STAGING) for _ in range(3)]
                seen["status"] = rb.guard.status().model_dump()["tickets"][1]

            killed = await kill_during(
                env,
                run_dir,
                "backup:after_dump",
                "backup",
                STAGING,
                tmp_path / "first.stderr",
                while_paused=while_the_first_runs,
            )
            for refused, seconds in seen["refusals"]:
                assert refused.refused == "LOCKED", refused.text
                assert "another menuca-migrate call is running on this run directory" in refused.message
                assert seconds < REFUSE_WITHIN_S
            assert (seen["status"]["status"], seen["status"]["interrupted"]) == ("IN_PROGRESS", False)

            wait_backends_gone(rb.staging_dsn, killed.run_id)
            assert rb.guard.status().model_dump()["tickets"][1]["interrupted"] is True
            rerun, _ = await _timed(second, "backup", STAGING)
    assert rerun.refused is None and rerun.status == "PASS", rerun.text
    assert rb.guard.status().model_dump()["tickets"][1]["status"] == "COMPLETE"


async def test_a_server_with_another_run_directory_is_refused_by_the_database_lock_naming_the_holder(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    rb = runbook()
    assert rb.call("preflight")["status"] == "PASS"
    run_dir = rb.guard.settings.run_dir
    other_dir = tmp_path / "other-run"
    seen: dict[str, Any] = {}
    with open(tmp_path / "second.stderr", "w", encoding="utf-8") as err:
        async with connect(_env(rb, other_dir), errlog=err) as second:

            async def while_the_first_runs() -> None:
                seen["refused"] = await _timed(second, "preflight")

            killed = await kill_during(
                _env(rb, run_dir),
                run_dir,
                "backup:after_dump",
                "backup",
                STAGING,
                tmp_path / "first.stderr",
                while_paused=while_the_first_runs,
            )
            refused, seconds = seen["refused"]
            assert refused.refused == "LOCKED", refused.text
            assert f"menuca-migrate/{killed.run_id}" in refused.message
            assert "staging database" in refused.message
            assert seconds < REFUSE_WITHIN_S

            wait_backends_gone(rb.staging_dsn, killed.run_id)
            after, _ = await _timed(second, "preflight")
    assert after.refused is None and after.status == "PASS", after.text
