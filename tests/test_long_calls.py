"""Long calls over the real stdio wire (SPEC.md §14): with a 2 s call budget and a step paused longer
than that, the call answers RUNNING within the budget, the work goes on in the server (status shows
its progress, other calls are refused LOCKED naming it), the same call again returns the final
result, the ticket completes once; a cancel while waiting stops the work; a server killed after a
RUNNING answer leaves an interrupted ticket whose re-run finishes cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from server.dev.client import ToolOutcome, call_tool, connect, server_env
from tests.conftest import Runbook
from tests.crash import await_until, duplicate_combo_pairs, journal_events
from tools.lib import catalog

pytestmark = pytest.mark.anyio

BUDGET_S = 2.0


def _env(rb: Runbook, point: str, pause_s: float) -> dict[str, str]:
    return server_env(
        staging_dsn=rb.staging_dsn,
        production_dsn=rb.production_dsn,
        run_dir=rb.guard.settings.run_dir,
        soak_hours=0,
        require_approval=False,
        extra={
            "MENUCA_CALL_BUDGET_S": f"{BUDGET_S:g}",
            "MENUCA_TEST_HOOKS": "1",
            "MENUCA_TEST_PAUSE": f"{point}:{pause_s:g}",
        },
    )


async def _timed(client: Any, tool: str, args: dict[str, Any]) -> tuple[ToolOutcome, float]:
    begun = time.monotonic()
    outcome = await call_tool(client, tool, args)
    return outcome, time.monotonic() - begun


def _completions(run_dir: Path, ticket: str) -> int:
    return sum(1 for e in journal_events(run_dir) if e["event"] == "passed" and e["ticket"] == ticket)


async def _until_done(client: Any, tool: str, args: dict[str, Any]) -> ToolOutcome:
    for _ in range(60):
        outcome, held = await _timed(client, tool, args)
        assert held < BUDGET_S + 1, f"{tool} held its caller {held:.1f} s"
        if outcome.status != "RUNNING":
            return outcome
    raise AssertionError(f"{tool} kept answering RUNNING")


@pytest.mark.parametrize(
    ("tool", "args", "point", "ticket", "before"),
    [
        ("apply_indexes", {"environment": "staging"}, "apply_indexes:after_first_build", "02", 2),
        (
            "fix_combos",
            {"environment": "staging", "backfill_missing_dishes": True},
            "fix_combos:before_commit",
            "04",
            4,
        ),
        (
            "rollback",
            {"environment": "staging", "scope": "full", "reason": "prove a long restore"},
            "rollback:during_restore",
            "01",
            4,
        ),
    ],
)
async def test_a_step_outliving_the_call_budget_answers_running_and_the_same_call_returns_its_result(
    runbook: Callable[..., Runbook],
    tmp_path: Path,
    tool: str,
    args: dict[str, Any],
    point: str,
    ticket: str,
    before: int,
) -> None:
    rb = runbook()
    steps = [
        ("preflight", None, {}),
        ("backup", "staging", {}),
        ("apply_indexes", "staging", {}),
        ("apply_rls", "staging", {}),
    ]
    for name, env, extra in steps[:before]:
        assert rb.call(name, env, **extra)["status"] == "PASS", name
    run_dir = rb.guard.settings.run_dir
    with open(tmp_path / "server.stderr", "w", encoding="utf-8") as err:
        async with connect(_env(rb, point, 6), errlog=err) as client:
            first, held = await _timed(client, tool, args)
            assert first.status == "RUNNING", first.text
            assert held < BUDGET_S + 1, f"the first answer took {held:.1f} s"
            assert first.result is not None and first.result["progress"] is not None
            assert first.result["next"]["tool"] == tool and first.result["next"]["environment"] == "staging"
            data_args = {k: v for k, v in args.items() if k == "backfill_missing_dishes"}
            assert (first.result["next"]["args"] or {}) == data_args  # the very same call, args and all
            status = (await call_tool(client, "status")).result or {}
            shown = next(
                t for t in status["tickets"] if t["ticket"] == (ticket if tool != "rollback" else "01")
            )
            if tool != "rollback":
                assert shown["status"] == "IN_PROGRESS" and shown["progress"] is not None, shown
            other = await call_tool(  # a call the rules would let run: only the lock stops it
                client,
                "rollback",
                {"environment": "staging", "scope": "combos", "reason": "competing", "dry_run": True},
            )
            assert other.refused == "LOCKED", other.text
            assert f"ticket {ticket}" in other.message and "is running" in other.message
            final = await _until_done(client, tool, args)
            assert final.status == "PASS", final.text
    if tool != "rollback":
        assert _completions(run_dir, ticket) == 1
    events = journal_events(run_dir)
    assert any(e["event"] == "running" and e["tool"] == tool for e in events)
    log = (run_dir / "EXECUTION_LOG.md").read_text(encoding="utf-8")
    assert "## RUNNING — " in log
    completions = sum(1 for e in events if e["event"] == "passed")
    assert log.count("STATUS: COMPLETE") == completions
    assert not (run_dir / "progress.json").exists()


async def test_a_call_finished_after_its_running_answer_is_returned_once_as_a_replay(
    runbook: Callable[..., Runbook], tmp_path: Path
) -> None:
    rb = runbook()
    for name, env in (("preflight", None), ("backup", "staging")):
        assert rb.call(name, env)["status"] == "PASS"
    args = {"environment": "staging"}
    with open(tmp_path / "server.stderr", "w", encoding="utf-8") as err:
        async with connect(_env(rb, "apply_indexes:after_first_build", 3), errlog=err) as client:
            first = await call_tool(client, "apply_indexes", args)
            assert first.status == "RUNNING", first.text
            run_dir = rb.guard.settings.run_dir
            await await_until(lambda: _completions(run_dir, "02") == 1, 120, "the work to end in the server")
            picked = await call_tool(client, "apply_indexes", args)
            assert picked.status == "PASS" and picked.result and picked.result["replayed"] is True, (
                picked.text
            )
            again = await call_tool(client, "apply_indexes", args)  # rule 8 from now on: still the replay
            assert again.status == "PASS" and again.result and again.result["replayed"] is True
    assert _completions(rb.guard.settings.run_dir, "02") == 1


async def test_a_cancel_while_waiting_for_a_running_step_stops_it_with_nothing_half_applied(
    runbook: Callable[..., Runbook], tmp_path: Path
) -> None:
    rb = runbook()
    for name, env in (
        ("preflight", None),
        ("backup", "staging"),
        ("apply_indexes", "staging"),
        ("apply_rls", "staging"),
    ):
        assert rb.call(name, env)["status"] == "PASS", name
    args = {"environment": "staging", "backfill_missing_dishes": True}
    run_dir = rb.guard.settings.run_dir
    with rb.admin() as conn:
        items_before = catalog.orphan_rates(conn)["items"]  # type: ignore[arg-type]
    with open(tmp_path / "server.stderr", "w", encoding="utf-8") as err:
        async with connect(_env(rb, "fix_combos:before_commit", 8), errlog=err) as client:
            first = await call_tool(client, "fix_combos", args)
            assert first.status == "RUNNING", first.text
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(call_tool, client, "fix_combos", args)  # attaches, and waits
                    await anyio.sleep(0.5)
                    scope.cancel()  # the agent gives up on the waiting call: MCP sends notifications/cancelled
            assert scope.cancelled_caught

            def failed() -> dict[str, Any] | None:
                done = [e for e in journal_events(run_dir) if e["event"] == "failed" and e["ticket"] == "04"]
                return done[-1] if done else None

            event = await await_until(failed, 30, "the step to stop and be recorded FAILED")
            assert "cancelled" in event["details"]["result"]["summary"]
            with rb.admin() as conn:
                assert catalog.orphan_rates(conn)["items"] == items_before  # type: ignore[arg-type]
            again = await call_tool(client, "fix_combos", args)
            while again.status == "RUNNING":
                again = await call_tool(client, "fix_combos", args)
            assert again.result is not None and again.result["replayed"] is True  # the stopped work's FAIL
            rerun = await call_tool(client, "fix_combos", args)
            while rerun.status == "RUNNING":
                rerun = await call_tool(client, "fix_combos", args)
            assert rerun.status == "PASS", rerun.text


async def test_a_server_killed_after_a_running_answer_leaves_the_ticket_interrupted_and_a_rerun_finishes(
    runbook: Callable[..., Runbook], tmp_path: Path
) -> None:
    rb = runbook()
    for name, env in (("preflight", None), ("backup", "staging")):
        assert rb.call(name, env)["status"] == "PASS"
    run_dir = rb.guard.settings.run_dir
    env = _env(rb, "apply_indexes:after_first_build", 60)
    killed_pid = None
    with open(tmp_path / "server.stderr", "w", encoding="utf-8") as err:
        try:
            async with connect(env, errlog=err) as client:
                first = await call_tool(client, "apply_indexes", {"environment": "staging"})
                assert first.status == "RUNNING", first.text
                started = [
                    e for e in journal_events(run_dir) if e["event"] == "started" and e["ticket"] == "02"
                ]
                killed_pid = int(started[-1]["details"]["pid"])
                os.kill(killed_pid, signal.SIGKILL)  # after the RUNNING answer, with the build under way
        except Exception:  # a dead server's transport fails on the way out (often as an ExceptionGroup)
            if killed_pid is None:
                raise
    assert killed_pid is not None
    shown = rb.guard.status().model_dump()["tickets"][2]
    assert shown["status"] == "IN_PROGRESS" and shown["interrupted"] is True
    rerun = rb.call("apply_indexes", "staging")
    assert rerun["status"] == "PASS", rerun["summary"]
    with rb.admin() as conn:
        assert catalog.invalid_indexes(conn) == []  # type: ignore[arg-type]
        assert duplicate_combo_pairs(conn) == 0
    assert _completions(run_dir, "02") == 1


def test_the_demo_completes_with_a_one_second_call_budget(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "demo", "--scale", "0.05", "--run-dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "MENUCA_CALL_BUDGET_S": "1"},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "11 of 11 tickets COMPLETE" in done.stdout
    assert "RUNNING" in done.stdout  # at scale 0.05 some step still outlives one second
