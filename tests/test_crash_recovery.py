"""Crash recovery on a real PostgreSQL: the server is SIGKILLed at each pause point of SPEC.md §10, its
backends end by themselves (no lock kept, no work finished behind the next server's back), status shows
the interruption, and a new server re-runs the step to PASS with no duplicate row, no INVALID index, no
half-applied policy set, and a journal that verifies and records the interruption."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.dev.client import ToolOutcome, call_tool, connect, server_env
from server.journal import Journal
from tests.crash import (
    Killed,
    duplicate_combo_pairs,
    journal_events,
    kill_during,
    rls_state,
    run_backends,
    tables_without_rls,
    wait_backends_gone,
)
from tools.lib import catalog
from tools.lib.leftovers import scratch_prefix

pytestmark = pytest.mark.anyio

STAGING = {"environment": "staging"}


def _env(rb: Any) -> dict[str, str]:
    return server_env(
        staging_dsn=rb.staging_dsn,
        production_dsn=rb.production_dsn,
        run_dir=rb.guard.settings.run_dir,
        soak_hours=0,
        require_approval=False,
    )


def _complete(rb: Any, *calls: tuple[str, str | None]) -> None:
    """Bring the run to a ticket quickly, in-process, on the run dir the servers will use."""
    for tool, environment in calls:
        result = rb.call(tool, environment)
        assert result["status"] == "PASS", (tool, [c for c in result["checks"] if not c["passed"]])


async def _kill(rb: Any, tmp_path: Path, point: str, args: dict[str, Any]) -> Killed:
    tool = point.split(":")[0]
    run_dir = rb.guard.settings.run_dir
    killed = await kill_during(_env(rb), run_dir, point, tool, args, tmp_path / "killed.stderr")
    # the dead server's sessions end by themselves (client_connection_check_interval), locks with them
    wait_backends_gone(rb.staging_dsn, killed.run_id)
    return killed


async def _rerun(rb: Any, tmp_path: Path, tool: str, args: dict[str, Any]) -> ToolOutcome:
    with open(tmp_path / "rerun.stderr", "w", encoding="utf-8") as err:
        async with connect(_env(rb), errlog=err) as client:
            return await call_tool(client, tool, args)


def _assert_interrupted(rb: Any, ticket: str) -> None:
    shown = rb.guard.status().model_dump()["tickets"][int(ticket)]
    assert (shown["status"], shown["interrupted"]) == ("IN_PROGRESS", True)


def _assert_recovered(rb: Any, killed: Killed, ticket: str | None) -> None:
    run_dir = rb.guard.settings.run_dir
    events = journal_events(run_dir)
    if ticket is not None:
        interrupted = [e for e in events if e["event"] == "interrupted" and e["ticket"] == ticket]
        assert len(interrupted) == 1
        assert rb.guard.status().model_dump()["tickets"][int(ticket)]["status"] == "COMPLETE"
    report = Journal(run_dir).verify()
    assert report.ok, report.problems
    with rb.admin() as conn:
        assert catalog.invalid_indexes(conn) == []  # type: ignore[arg-type]
        assert duplicate_combo_pairs(conn) == 0
    assert run_backends(rb.staging_dsn, killed.run_id) == []


async def test_a_server_killed_after_the_first_index_build_leaves_nothing_invalid_and_the_rerun_finishes(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    rb = runbook()
    _complete(rb, ("preflight", None), ("backup", "staging"))
    killed = await _kill(rb, tmp_path, "apply_indexes:after_first_build", STAGING)
    _assert_interrupted(rb, "02")
    with rb.admin() as conn:
        assert catalog.invalid_indexes(conn) == []  # type: ignore[arg-type]

    rerun = await _rerun(rb, tmp_path, "apply_indexes", STAGING)
    assert rerun.status == "PASS", rerun.text
    assert rerun.result is not None
    assert rerun.result["counts"] == {"created": 51, "present": 5, "equivalent": 2}
    _assert_recovered(rb, killed, "02")


async def test_a_server_killed_inside_the_rls_then_the_combo_transaction_commits_nothing_and_reruns_once(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    """Both all-or-nothing transactions in one run (ticket 04 needs 03 COMPLETE): no policy of a killed
    apply_rls is committed, no row of a killed fix_combos, and each re-run applies its work once."""
    rb = runbook()
    _complete(rb, ("preflight", None), ("backup", "staging"), ("apply_indexes", "staging"))
    with rb.admin() as conn:
        before = rls_state(conn)
    killed = await _kill(rb, tmp_path, "apply_rls:before_commit", STAGING)
    _assert_interrupted(rb, "03")
    with rb.admin() as conn:
        assert rls_state(conn) == before  # none of this run's policies committed
    rerun = await _rerun(rb, tmp_path, "apply_rls", STAGING)
    assert rerun.status == "PASS", rerun.text
    with rb.admin() as conn:
        assert tables_without_rls(conn) == []
    _assert_recovered(rb, killed, "03")

    args = {**STAGING, "backfill_missing_dishes": True}
    count = "SELECT (SELECT count(*) FROM menuca_v3.combo_items), (SELECT count(*) FROM menuca_v3.dishes)"
    with rb.admin() as conn:
        rows_before = conn.execute(count).fetchone()
    killed = await _kill(rb, tmp_path, "fix_combos:before_commit", args)
    _assert_interrupted(rb, "04")
    with rb.admin() as conn:
        assert conn.execute(count).fetchone() == rows_before  # the killed transaction never committed
    rerun = await _rerun(rb, tmp_path, "fix_combos", args)
    assert rerun.status == "PASS", rerun.text
    assert rerun.result is not None and rows_before is not None
    with rb.admin() as conn:
        items, dishes = conn.execute(count).fetchone() or (0, 0)
        assert tables_without_rls(conn) == []
    assert (items, dishes) == (
        rows_before[0] + rerun.result["items_inserted"],
        rows_before[1] + rerun.result["dishes_backfilled"],
    )
    _assert_recovered(rb, killed, "04")


async def test_a_server_killed_after_the_dump_leaves_no_unverified_archive_once_the_backup_is_rerun(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    rb = runbook()
    _complete(rb, ("preflight", None))
    killed = await _kill(rb, tmp_path, "backup:after_dump", STAGING)
    _assert_interrupted(rb, "01")

    rerun = await _rerun(rb, tmp_path, "backup", STAGING)
    assert rerun.status == "PASS", rerun.text
    assert rerun.result is not None and rerun.result["verified"] is True
    backups = rb.guard.settings.run_dir / "backups"
    assert [str(p) for p in backups.glob("*.dump")] == [rerun.result["path"]]
    _assert_recovered(rb, killed, "01")


async def test_a_server_killed_during_a_full_restore_changes_nothing_and_the_rerun_restores(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    rb = runbook()
    _complete(rb, ("preflight", None), ("backup", "staging"))
    backed_up = rb.guard.load_state().tickets["01"].record["row_counts"]
    with rb.admin() as conn:
        conn.execute("DELETE FROM menuca_v3.promotional_coupons WHERE id % 2 = 0")
        changed = catalog.row_counts(conn)  # type: ignore[arg-type]
    assert changed != backed_up
    args = {**STAGING, "scope": "full", "reason": "crash test"}
    killed = await _kill(rb, tmp_path, "rollback:during_restore", args)
    status = rb.guard.status().model_dump()
    assert not any(t["status"] == "IN_PROGRESS" for t in status["tickets"])
    _assert_rollback_interrupted(status)
    assert _restore_scripts(rb) != []  # the killed restore's script (a copy of the data) is still there
    with rb.admin() as conn:
        assert catalog.row_counts(conn) == changed  # type: ignore[arg-type]  # the restore never committed

    rerun = await _rerun(rb, tmp_path, "rollback", args)
    assert rerun.status == "PASS", rerun.text
    assert rerun.result is not None and "restore script" in rerun.result["summary"]
    assert _restore_scripts(rb) == []
    assert rb.guard.status().rollback is None
    with rb.admin() as conn:
        assert catalog.row_counts(conn) == backed_up  # type: ignore[arg-type]
    _assert_recovered(rb, killed, None)


def _assert_rollback_interrupted(status: dict[str, Any]) -> None:
    assert status["rollback"] == {
        "environment": "staging",
        "scope": "full",
        "started_at": status["rollback"]["started_at"],
        "interrupted": True,
    }
    assert status["tickets"][1]["interrupted"] is True  # the rollback is journaled under ticket 01
    assert (status["next"]["tool"], status["next"]["environment"]) == ("rollback", "staging")
    assert "interrupted" in status["summary"]


def _restore_scripts(rb: Any) -> list[str]:
    return sorted(p.name for p in (rb.guard.settings.run_dir / "backups").glob("*.restore.sql"))


def _scratch_databases(rb: Any, run_id: str) -> list[str]:
    with rb.admin() as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'menuca\\_verify\\_%' ORDER BY 1"
        ).fetchall()
    prefix = scratch_prefix(run_id, "staging")
    return [r[0] for r in rows if r[0].startswith(prefix)]


def _dumps(rb: Any) -> list[str]:
    return sorted(str(p) for p in (rb.guard.settings.run_dir / "backups").glob("*.dump"))


async def test_a_server_killed_during_the_scratch_restore_leaves_a_copy_that_the_rerun_removes_and_names(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    rb = runbook()
    _complete(rb, ("preflight", None))
    killed = await _kill(rb, tmp_path, "backup:during_scratch_restore", STAGING)
    _assert_interrupted(rb, "01")
    (scratch,) = _scratch_databases(rb, killed.run_id)  # a full copy of the data, left by the kill
    (unverified,) = _dumps(rb)

    rerun = await _rerun(rb, tmp_path, "backup", STAGING)
    assert rerun.status == "PASS", rerun.text
    assert rerun.result is not None
    assert _scratch_databases(rb, killed.run_id) == []
    assert _dumps(rb) == [rerun.result["path"]] and unverified != rerun.result["path"]
    assert f"scratch database {scratch}" in rerun.result["summary"]
    assert f"unverified dump {Path(unverified).name}" in rerun.result["summary"]
    names = {c["name"] for c in rerun.result["checks"]}
    assert "no leftover of an earlier attempt (scratch database, unverified dump)" in names
    _assert_recovered(rb, killed, "01")


def _abandon(rb: Any, reason: str) -> subprocess.CompletedProcess[str]:
    settings = rb.guard.settings
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "abandon",
            "--reason",
            reason,
            "--run-dir",
            str(settings.run_dir),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "MENUCA_STAGING_DSN": settings.staging_dsn,
            "MENUCA_PRODUCTION_DSN": settings.production_dsn,
        },
    )


async def test_abandoning_a_run_killed_in_its_scratch_restore_removes_the_copy_and_the_unverified_dump(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    rb = runbook()
    _complete(rb, ("preflight", None))
    killed = await _kill(rb, tmp_path, "backup:during_scratch_restore", STAGING)
    (scratch,) = _scratch_databases(rb, killed.run_id)
    (unverified,) = _dumps(rb)
    done = _abandon(rb, "the window closed")
    assert done.returncode == 0, done.stderr
    assert f"removed scratch database {scratch}" in done.stdout
    assert f"removed unverified dump {Path(unverified).name}" in done.stdout
    assert _scratch_databases(rb, killed.run_id) == [] and _dumps(rb) == []
    abandoned = [e for e in journal_events(rb.guard.settings.run_dir) if e["event"] == "abandoned"]
    assert f"scratch database {scratch}" in abandoned[-1]["details"]["removed"]
    assert Journal(rb.guard.settings.run_dir).verify().ok


async def test_abandoning_a_run_whose_full_restore_was_killed_removes_its_restore_script(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    rb = runbook()
    _complete(rb, ("preflight", None), ("backup", "staging"))
    args = {**STAGING, "scope": "full", "reason": "crash test"}
    await _kill(rb, tmp_path, "rollback:during_restore", args)
    _assert_rollback_interrupted(rb.guard.status().model_dump())
    (script,) = _restore_scripts(rb)
    done = _abandon(rb, "giving up")
    assert done.returncode == 0, done.stderr
    assert f"removed restore script {script}" in done.stdout
    assert _restore_scripts(rb) == []
    assert len(_dumps(rb)) == 1  # the verified backup stays
    assert rb.guard.status().rollback is None
