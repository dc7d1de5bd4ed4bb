"""The operator's commands: they act only through the journal (under its lock), refuse what the rules
forbid with exit 1, and every MCP client sees their effect at its next call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.dev.client import call_tool, connect, server_env


def cli(*args: str, run_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args, "--run-dir", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_status_log_and_verify_log_on_an_empty_run_directory(tmp_path: Path) -> None:
    status = cli("status", "--json", run_dir=tmp_path)
    assert status.returncode == 0
    data = json.loads(status.stdout)
    assert data["run_id"] is None and data["next"]["tool"] == "preflight"
    assert cli("log", run_dir=tmp_path).returncode == 1
    assert cli("verify-log", run_dir=tmp_path).returncode == 0


def test_approve_production_is_refused_before_ticket_05_with_exit_1(tmp_path: Path) -> None:
    done = cli("approve", "production", "--by", "Ada", run_dir=tmp_path)
    assert done.returncode == 1
    assert "REFUSED APPROVAL_REQUIRED" in done.stderr and "ticket 05" in done.stderr


def test_halt_resume_and_abandon_are_journaled_and_seen_by_the_server(
    runbook: Callable[..., Any], tmp_path: Path
) -> None:
    rb = runbook()
    assert rb.call("preflight")["status"] == "PASS"
    run_dir = rb.guard.settings.run_dir
    assert cli("halt", "--reason", "DBA on call is busy", run_dir=run_dir).returncode == 0
    status = json.loads(cli("status", "--json", run_dir=run_dir).stdout)
    assert status["halted"] is True and status["halt_reason"] == "DBA on call is busy"
    from server.errors import Refused

    with pytest.raises(Refused, match="HALTED"):
        rb.call("backup", "staging")
    assert cli("resume", run_dir=run_dir).returncode == 0
    assert rb.call("backup", "staging")["status"] == "PASS"
    assert cli("abandon", "--reason", "wrong window", run_dir=run_dir).returncode == 0
    assert cli("abandon", "--reason", "twice", run_dir=run_dir).returncode == 1
    assert json.loads(cli("status", "--json", run_dir=run_dir).stdout)["next"]["tool"] == "preflight"
    log = cli("log", run_dir=run_dir)
    assert "OPERATOR — halt" in log.stdout and "OPERATOR — abandon" in log.stdout
    assert cli("verify-log", run_dir=run_dir).returncode == 0


@pytest.mark.anyio
async def test_an_operator_halt_reaches_a_running_stdio_server_at_its_next_call(
    make_db: Callable[..., str], tmp_path: Path
) -> None:
    env = server_env(staging_dsn=make_db(), production_dsn=make_db(production=True), run_dir=tmp_path)
    with open(tmp_path / "server.err", "w", encoding="utf-8") as err:
        async with connect(env, errlog=err) as client:
            assert (await call_tool(client, "preflight")).status == "PASS"
            assert cli("halt", "--reason", "incident", run_dir=tmp_path).returncode == 0
            refused = await call_tool(client, "backup", {"environment": "staging"})
            assert refused.refused == "HALTED" and "menuca-migrate resume" in refused.message
            status = await call_tool(client, "status")
            assert status.result is not None and status.result["next"]["blocked_by"] == "HALTED"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MENUCA_SOAK_HOURS", "four"), ("MENUCA_SOAK_HOURS", "-1"), ("MENUCA_REQUIRE_APPROVAL", "maybe")],
)
def test_an_invalid_setting_stops_serve_at_start_up_naming_it(
    tmp_path: Path, variable: str, value: str
) -> None:
    env = {**os.environ, variable: value}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    assert done.returncode != 0
    assert variable in done.stderr


def test_serve_starts_without_any_database_configured(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENUCA_")}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        input="",  # the client goes away at once: a clean exit, not a crash at start-up
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr


def test_the_replay_command_runs_a_file_against_a_fresh_embedded_pair(tmp_path: Path) -> None:
    spec = Path(__file__).parent / "replays" / "spec_example.json"
    done = cli("replay", str(spec), run_dir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every expectation met" in done.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"name": "x", "steps": [{"call": "status", "expect": {"refused": "NOPE"}}]}', encoding="utf-8"
    )
    refused = cli("replay", str(bad), run_dir=tmp_path)
    assert refused.returncode == 1 and "unknown refusal code" in refused.stderr
