"""What the operator approves (SPEC.md §13) and how (§4): the evidence names the data the agent chose
to write and what production will receive; `approve production` asks for the database name on a
terminal, needs --yes without one, and records which; --by is 1-100 printable characters."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict

from server.engine.evidence import production_evidence, served_evidence


def through_staging(rb: Any) -> dict[str, Any]:
    """Tickets 00-05 as an agent following `next` would run them; returns fix_combos' result."""
    pre = rb.call("preflight")
    assert pre["status"] == "PASS", pre["summary"]
    for tool in ("backup", "apply_indexes", "apply_rls"):
        result = rb.call(tool, "staging")
        assert result["status"] == "PASS", result["summary"]
    nxt = result["next"]
    assert nxt["ticket"] == "04" and nxt["args"] == {"backfill_missing_dishes": True}
    assert "dishes" in nxt["args_reason"]
    combos = rb.call("fix_combos", "staging", **nxt["args"])
    assert combos["status"] == "PASS" and combos["dishes_backfilled"] > 0, combos["summary"]
    assert rb.call("validate", "staging")["status"] == "PASS"
    return combos


def backfilled_names(rb: Any, batch_id: str) -> list[str]:
    with rb.admin("staging") as conn:
        rows = conn.execute(
            "SELECT d.name FROM menuca_migrate.combo_batch_rows r JOIN menuca_v3.dishes d ON d.id = r.row_id "
            "WHERE r.batch_id = %s AND r.table_name = 'dishes' ORDER BY d.id",
            [batch_id],
        ).fetchall()
    return [r[0] for r in rows]


def test_the_evidence_names_the_backfilled_dishes_and_production_s_plans_and_the_approval_records_it(
    runbook: Callable[..., Any],
) -> None:
    rb = runbook(require_approval=True)
    combos = through_staging(rb)
    state = rb.guard.load_state()
    evidence = production_evidence(rb.guard, state, interactive=False)
    text = evidence.text
    assert evidence.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert f"backfill_missing_dishes inserted {combos['dishes_backfilled']:,} dishes" in text
    names = backfilled_names(rb, combos["batch_id"])
    assert len(names) == combos["dishes_backfilled"]
    assert sum(1 for name in set(names) if f'"{name}"' in text) >= 3
    for ticket in (
        "06 backup",
        "07 apply_indexes",
        "08 apply_rls",
        "09 fix_combos production (backfill_missing_dishes=true)",
    ):
        assert f"### {ticket}" in text
    assert "Dry run: would insert" in text  # fix_combos' own dry run against production
    assert "approved without a terminal" in text.lower()
    assert evidence.production_database == conninfo_to_dict(rb.production_dsn)["dbname"]

    entry = rb.guard.approve_production("Ada")
    event = next(e for e in rb.guard.journal.events() if e["seq"] == entry["seq"])
    recorded = event["details"]
    assert recorded["interactive"] is False
    assert recorded["evidence_sha256"] == hashlib.sha256(recorded["evidence"].encode()).hexdigest()
    assert f"backfill_missing_dishes inserted {combos['dishes_backfilled']:,} dishes" in recorded["evidence"]
    log = (rb.guard.settings.run_dir / "EXECUTION_LOG.md").read_text(encoding="utf-8")
    assert f"Evidence sha256: {recorded['evidence_sha256']}" in log
    assert "Confirmation: approved without a terminal (--yes)" in log
    assert log.count("STATUS: COMPLETE") == 6  # the quoted evidence forges no completion line
    approval = rb.guard.status().model_dump()["approval"]
    assert approval["by"] == "Ada" and approval["interactive"] is False
    assert approval["note"] == "approved without a terminal"
    served = served_evidence(rb.guard)
    assert served.startswith(recorded["evidence"]) and "approved without a terminal" in served
    assert rb.guard.journal.verify().ok


def cli(
    *args: str, run_dir: Path, env: dict[str, str], stdin: int | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args, "--run-dir", str(run_dir)],
        capture_output=stdin is None,
        stdout=subprocess.PIPE if stdin is not None else None,
        stderr=subprocess.PIPE if stdin is not None else None,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        text=True,
        timeout=600,
        env=env,
    )


def on_a_terminal(
    *args: str, typed: str, run_dir: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run the command with a pseudo-terminal as its stdin, the operator having typed `typed`."""
    master, slave = os.openpty()
    try:
        os.write(master, typed.encode() + b"\n")
        return cli(*args, run_dir=run_dir, env=env, stdin=slave)
    finally:
        os.close(slave)
        os.close(master)


@pytest.mark.parametrize("name", ["", " ", "x" * 101, "Ada\x07", "Ada\nSTATUS: COMPLETE"])
def test_approve_refuses_a_name_that_is_not_1_to_100_printable_characters(name: str, tmp_path: Path) -> None:
    for what in ("production", "rollback"):
        done = cli("approve", what, "--by", name, "--yes", run_dir=tmp_path, env=dict(os.environ))
        assert done.returncode == 1 and "--by must be 1-100 printable characters" in done.stderr
    assert not (tmp_path / "journal.jsonl").exists()


def test_approve_production_asks_for_the_database_name_on_a_terminal_and_needs_yes_without_one(
    runbook: Callable[..., Any],
) -> None:
    rb = runbook(require_approval=True)
    through_staging(rb)
    run_dir = rb.guard.settings.run_dir
    env = {
        **os.environ,
        "MENUCA_STAGING_DSN": rb.staging_dsn,
        "MENUCA_PRODUCTION_DSN": rb.production_dsn,
        "MENUCA_SOAK_HOURS": "0",
    }
    database = str(conninfo_to_dict(rb.production_dsn)["dbname"])

    def approvals() -> list[dict[str, Any]]:
        return [e["details"] for e in rb.guard.journal.events() if e["event"] == "approved"]

    no_terminal = cli("approve", "production", "--by", "Ada", run_dir=run_dir, env=env)
    assert no_terminal.returncode == 1 and "--yes" in no_terminal.stderr
    assert approvals() == []

    wrong = on_a_terminal(
        "approve", "production", "--by", "Ada", typed="menuca_staging", run_dir=run_dir, env=env
    )
    assert wrong.returncode == 1 and "does not match" in wrong.stderr
    assert "## Data the agent chose to write" in wrong.stdout  # the evidence came first
    assert approvals() == []

    typed = on_a_terminal("approve", "production", "--by", "Ada", typed=database, run_dir=run_dir, env=env)
    assert typed.returncode == 0, typed.stderr
    assert approvals()[-1]["interactive"] is True and approvals()[-1]["by"] == "Ada"
    assert "Confirmed on a terminal" in approvals()[-1]["evidence"]
    status = json.loads(cli("status", "--json", run_dir=run_dir, env=env).stdout)
    assert status["approval"]["interactive"] is True and status["approval"]["note"] is None

    scripted = cli("approve", "production", "--by", "Grace", "--yes", run_dir=run_dir, env=env)
    assert scripted.returncode == 0, scripted.stderr
    assert "approved without a terminal" in scripted.stdout
    assert approvals()[-1]["interactive"] is False
    shown = cli("status", run_dir=run_dir, env=env).stdout
    assert "approved by Grace" in shown and "(approved without a terminal)" in shown
    assert f"evidence sha256: {approvals()[-1]['evidence_sha256']}" in scripted.stdout
    assert "REFUSED" not in rb.call("backup", "production")["summary"]
