"""A real PgBouncer in front of the embedded PostgreSQL: in transaction pool mode preflight FAILs and
says which port to use; in session mode the whole tool chain works through it (SPEC.md §15)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from server import db
from server.engine.locks import ADVISORY_KEY, LockHeld
from server.engine.probes import DatabaseProbes
from server.engine.registry import make_guard
from server.errors import Refused
from server.settings import Settings
from tests import pooler
from tests.conftest import call_guard

SESSION_CHECK = "direct or session-mode connection"

pytestmark = pytest.mark.skipif(
    pooler.binary() is None, reason="pgbouncer is not installed (apt-get install -y pgbouncer; .ci/run does)"
)


def _settings(staging: str, production: str, run_dir: Path) -> Settings:
    return Settings(
        staging_dsn=staging,
        production_dsn=production,
        run_dir=run_dir,
        soak_hours=0,
        require_approval=False,
        allow_same_server=True,  # the suite's databases share one server
    )


@pytest.fixture
def direct_pair(make_db: Callable[..., str]) -> tuple[str, str]:
    staging, production = make_db(), make_db(production=True)
    if not conninfo_to_dict(staging).get("password"):
        pytest.skip("PgBouncer needs the role's password in the test DSN")
    return staging, production


@pytest.fixture
def bouncer(direct_pair: tuple[str, str]) -> Iterator[Callable[[pooler.PoolMode], pooler.PgBouncer]]:
    """Factory: a PgBouncer in the given pool mode in front of the pair's server (stopped after)."""
    with contextlib.ExitStack() as stack:
        yield lambda mode: stack.enter_context(pooler.running(direct_pair[0], mode))


def test_a_transaction_mode_pooler_is_a_preflight_fail_that_says_to_use_the_direct_or_session_port(
    direct_pair: tuple[str, str], bouncer: Callable[[pooler.PoolMode], pooler.PgBouncer], tmp_path: Path
) -> None:
    pgb = bouncer("transaction")
    staging, production = direct_pair
    run_dir = tmp_path / "run"
    result = call_guard(make_guard(_settings(pgb.dsn(staging), pgb.dsn(production), run_dir)), "preflight")
    assert result["status"] == "FAIL"
    failed = {c["name"]: c["actual"] for c in result["checks"] if not c["passed"]}
    for env in ("staging", "production"):
        assert f"{env}: {SESSION_CHECK}" in failed, failed
        assert "a transaction-mode pooler" in failed[f"{env}: {SESSION_CHECK}"]
        assert "use the direct connection or a session-mode pooler port" in failed[f"{env}: {SESSION_CHECK}"]
    assert f"staging: {SESSION_CHECK}" in result["summary"]

    # Pointed at the direct port, the same run's preflight passes: nothing (no advisory lock left on
    # a pooled server session) holds it up
    again = call_guard(make_guard(_settings(staging, production, run_dir)), "preflight", None)
    assert again["status"] == "PASS", [c for c in again["checks"] if not c["passed"]]


ADVISORY_HELD = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def test_a_call_through_a_transaction_mode_pooler_is_refused_and_leaves_no_lock_on_a_pooled_session(
    direct_pair: tuple[str, str], bouncer: Callable[[pooler.PoolMode], pooler.PgBouncer], tmp_path: Path
) -> None:
    pgb = bouncer("transaction")
    staging, production = direct_pair
    run_dir = tmp_path / "run"
    direct = make_guard(_settings(staging, production, run_dir))
    assert call_guard(direct, "preflight", None)["status"] == "PASS"

    pooled = make_guard(_settings(pgb.dsn(staging), pgb.dsn(production), run_dir))
    with pytest.raises(Refused) as refused:
        call_guard(pooled, "backup", "staging")
    assert refused.value.code == "NOT_CONFIGURED"
    assert "transaction-mode pooler" in refused.value.message
    assert "use the direct connection or a session-mode pooler port" in refused.value.message
    with psycopg.connect(staging, autocommit=True) as watcher:
        assert watcher.execute(ADVISORY_HELD).fetchone() == (0,)  # nothing left on a pooled session
    assert call_guard(direct, "backup", "staging")["status"] == "PASS"


def test_through_a_session_mode_pooler_preflight_a_verified_backup_and_a_full_rollback_pass(
    direct_pair: tuple[str, str], bouncer: Callable[[pooler.PoolMode], pooler.PgBouncer], tmp_path: Path
) -> None:
    pgb = bouncer("session")
    staging, production = (pgb.dsn(dsn) for dsn in direct_pair)
    guard = make_guard(_settings(staging, production, tmp_path / "run"))
    result = call_guard(guard, "preflight", None)
    assert result["status"] == "PASS", [c for c in result["checks"] if not c["passed"]]
    passed = {c["name"]: c["actual"] for c in result["checks"]}
    assert (
        passed[f"staging: {SESSION_CHECK}"] == "session kept across transactions, a server session of its own"
    )

    backup = call_guard(guard, "backup", "staging")  # pg_dump, pg_restore and the scratch restore, pooled
    assert backup["status"] == "PASS", [c for c in backup["checks"] if not c["passed"]]
    assert backup["verification"][1].startswith("restored into scratch database")
    rollback = call_guard(guard, "rollback", "staging", scope="full", reason="psql through the pooler")
    assert rollback["status"] == "PASS", [c for c in rollback["checks"] if not c["passed"]]
    assert "unsupported startup parameter" not in pgb.log


def test_through_a_session_mode_pooler_the_servers_session_settings_and_advisory_lock_hold(
    direct_pair: tuple[str, str], bouncer: Callable[[pooler.PoolMode], pooler.PgBouncer], tmp_path: Path
) -> None:
    pgb = bouncer("session")
    direct = direct_pair[0]
    pooled = pgb.dsn(direct)
    with db.session(pooled, run_id="run-pooled", autocommit=True) as conn:
        row = conn.execute(
            "SELECT current_setting('application_name') AS app, "
            "current_setting('client_connection_check_interval') AS check_interval"
        ).fetchone()
    assert row == {"app": "menuca-migrate/run-pooled", "check_interval": "1s"}

    probes = DatabaseProbes(_settings(pooled, pgb.dsn(direct_pair[1]), tmp_path / "run"))
    with psycopg.connect(direct, autocommit=True) as watcher:
        with probes.db_locks(("staging",), "run-pooled") as pids:
            holder = watcher.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.pid = %s",
                [pids[0]],
            ).fetchone()
            assert holder == ("menuca-migrate/run-pooled",)
            with pytest.raises(LockHeld) as held, probes.db_locks(("staging",), "run-other"):
                pass
            assert "menuca-migrate/run-pooled" in str(held.value)
        # released with the call: PgBouncer's DISCARD ALL ends it with the client session
        free = watcher.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY]).fetchone()
        assert free == (True,)
        watcher.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
