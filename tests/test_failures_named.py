"""A step that dies mid-way (a read-only database, a role without a privilege, the server stopped with
`pg_ctl -m immediate`) is never a bare "Error executing tool": over the real stdio wire the agent gets a
FAIL result that matches its schema, whose check and summary name the cause and what to do, and the
journal records that same result (SPEC.md §5, §6)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from server.dev.client import ToolOutcome, call_tool, connect, server_env
from server.dev.embedded_pg import EmbeddedPostgres
from server.dev.seed import seed_database
from server.engine.registry import make_guard
from server.settings import Settings
from tests.conftest import SMALL_SCALE, Runbook, TestCluster
from tests.crash import await_until, journal_events, paused_env
from tools.results import BackupResult, FixCombosResult, RollbackResult, TicketResult

pytestmark = pytest.mark.anyio

STAGING = {"environment": "staging"}


def _env(rb: Runbook) -> dict[str, str]:
    return server_env(
        staging_dsn=rb.staging_dsn,
        production_dsn=rb.production_dsn,
        run_dir=rb.guard.settings.run_dir,
        soak_hours=0,
        require_approval=False,
    )


def _complete(rb: Runbook, *calls: tuple[str, str | None]) -> None:
    for tool, environment in calls:
        result = rb.call(tool, environment)
        assert result["status"] == "PASS", (tool, [c for c in result["checks"] if not c["passed"]])


async def _call(env: dict[str, str], errfile: Path, tool: str, args: dict[str, Any]) -> ToolOutcome:
    with open(errfile, "a", encoding="utf-8") as err:
        async with connect(env, errlog=err) as client:
            return await call_tool(client, tool, args)


def _assert_named_fail(
    outcome: ToolOutcome, model: type[TicketResult], run_dir: Path, *words: str
) -> dict[str, Any]:
    """A FAIL the agent can act on: schema-valid, its failed check and its summary name the cause, and
    the journal's failed entry holds the very same result."""
    assert not outcome.is_error, outcome.text
    assert "Error executing tool" not in outcome.text
    assert outcome.result is not None and outcome.status == "FAIL", outcome.text
    model.model_validate(outcome.result)
    failed = " ".join(str(c["actual"]) for c in outcome.result["checks"] if not c["passed"])
    for word in words:
        assert word in outcome.result["summary"], (word, outcome.result["summary"])
        assert word in failed or word in outcome.result["summary"]
    recorded = [e for e in journal_events(run_dir) if e["event"] == "failed"][-1]
    assert recorded["details"]["result"]["summary"] == outcome.result["summary"]
    return outcome.result


def _dbname(dsn: str) -> str:
    return str(conninfo_to_dict(dsn)["dbname"])


async def test_a_backup_of_a_read_only_database_is_a_fail_naming_read_only_and_the_fix(
    runbook: Callable[..., Runbook], pg_cluster: TestCluster, tmp_path: Path
) -> None:
    rb = runbook()
    _complete(rb, ("preflight", None))
    with pg_cluster.admin() as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(
                sql.Identifier(_dbname(rb.staging_dsn))
            )
        )
    outcome = await _call(_env(rb), tmp_path / "server.stderr", "backup", STAGING)
    result = _assert_named_fail(
        outcome, BackupResult, rb.guard.settings.run_dir, "read-only", "default_transaction_read_only"
    )
    assert "call backup again" in result["summary"]
    assert list((rb.guard.settings.run_dir / "backups").glob("*.dump")) == []


async def test_fix_combos_without_create_on_the_database_is_a_fail_naming_the_grant(
    runbook: Callable[..., Runbook], pg_cluster: TestCluster, tmp_path: Path
) -> None:
    rb = runbook()
    with rb.admin() as conn:
        if conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (True,):
            pytest.skip("the application role is a superuser: it cannot lack a privilege")
    _complete(
        rb, ("preflight", None), ("backup", "staging"), ("apply_indexes", "staging"), ("apply_rls", "staging")
    )
    with pg_cluster.admin() as conn:  # after preflight, the role stops owning the database
        conn.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO CURRENT_USER").format(sql.Identifier(_dbname(rb.staging_dsn)))
        )
    outcome = await _call(
        _env(rb), tmp_path / "server.stderr", "fix_combos", {**STAGING, "backfill_missing_dishes": True}
    )
    result = _assert_named_fail(
        outcome, FixCombosResult, rb.guard.settings.run_dir, "permission denied for database", "GRANT CREATE"
    )
    assert result["committed"] is False


@pytest.fixture
def crashable(tmp_path: Path) -> Iterator[tuple[EmbeddedPostgres, Runbook]]:
    """A cluster of the test's own (the suite's shared one must not be stopped) with a seeded pair and
    a guard over it."""
    cluster = EmbeddedPostgres.create()
    try:
        staging, production = cluster.dsn("menuca_staging"), cluster.dsn("menuca_production")
        seed_database(staging, scale=SMALL_SCALE)
        seed_database(production, scale=SMALL_SCALE, production=True)
        settings = Settings(
            staging_dsn=staging,
            production_dsn=production,
            run_dir=tmp_path / "run",
            soak_hours=0,
            require_approval=False,
            allow_same_server=True,
        )
        yield cluster, Runbook(make_guard(settings), staging, production)
    finally:
        cluster.stop()


async def _crash_during(
    cluster: EmbeddedPostgres, rb: Runbook, errfile: Path, point: str, tool: str, args: dict[str, Any]
) -> ToolOutcome:
    """Call `tool` on a server paused at `point`; stop PostgreSQL with `pg_ctl -m immediate` while it
    waits; the step goes on after the pause and meets the dead server."""
    env = paused_env(_env(rb), point, seconds=4)
    outcome: list[ToolOutcome] = []
    with open(errfile, "w", encoding="utf-8") as err:
        async with connect(env, errlog=err) as client, anyio.create_task_group() as tg:

            async def call() -> None:
                outcome.append(await call_tool(client, tool, args))

            tg.start_soon(call)
            await await_until(
                lambda: f"PAUSED {point}" in errfile.read_text(encoding="utf-8") or outcome, 60, "the pause"
            )
            assert not outcome, outcome
            await anyio.to_thread.run_sync(cluster.crash)
    return outcome[0]


async def test_fix_combos_and_a_full_rollback_meeting_a_stopped_server_are_fails_naming_the_lost_connection(
    crashable: tuple[EmbeddedPostgres, Runbook], tmp_path: Path
) -> None:
    cluster, rb = crashable
    _complete(
        rb, ("preflight", None), ("backup", "staging"), ("apply_indexes", "staging"), ("apply_rls", "staging")
    )
    args = {**STAGING, "backfill_missing_dishes": True}
    outcome = await _crash_during(
        cluster, rb, tmp_path / "a.stderr", "fix_combos:before_commit", "fix_combos", args
    )
    result = _assert_named_fail(
        outcome, FixCombosResult, rb.guard.settings.run_dir, "connection to the database was lost"
    )
    assert "call fix_combos again" in result["summary"]

    cluster.start()  # crash recovery; the repair never committed
    with rb.admin() as conn:
        conn.execute("DELETE FROM menuca_v3.promotional_coupons WHERE id % 2 = 0")
    outcome = await _crash_during(
        cluster,
        rb,
        tmp_path / "b.stderr",
        "rollback:during_restore",
        "rollback",
        {**STAGING, "scope": "full", "reason": "restore after a bad combo run"},
    )
    result = _assert_named_fail(
        outcome, RollbackResult, rb.guard.settings.run_dir, "connection to the database was lost"
    )
    assert result["scope"] == "full" and result["tickets_rolled_back"] == []
