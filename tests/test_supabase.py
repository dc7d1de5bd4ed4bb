"""On a Supabase-shaped server (no superuser; supabase_admin owns auth and holds default privileges
in menuca_v3) the backup is verified by a scratch restore and a full rollback keeps those defaults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.engine.registry import make_guard
from server.settings import Settings
from tests.conftest import Runbook, TestCluster
from tools.lib import catalog

SCALE = 0.05
DEFAULTS = (
    "SELECT defaclobjtype::text, defaclacl::text FROM pg_default_acl "
    "WHERE defaclrole = 'supabase_admin'::regrole AND defaclnamespace = 'menuca_v3'::regnamespace ORDER BY 1"
)


@pytest.fixture
def supabase_runbook(supabase_cluster: TestCluster, tmp_path: Path) -> Iterator[Runbook]:
    names = [supabase_cluster.copy_of_template(SCALE, prod, prefix="sb")[0] for prod in (False, True)]
    staging, production = (supabase_cluster.dsn(n) for n in names)
    settings = Settings(
        staging_dsn=staging,
        production_dsn=production,
        run_dir=tmp_path / "run",
        soak_hours=0,
        require_approval=False,
        allow_same_server=True,  # the suite's databases share one server
    )
    yield Runbook(make_guard(settings), staging, production)
    for name in names:
        supabase_cluster.drop_database(name)


def _failed(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in result["checks"] if not c["passed"]]


def test_on_supabase_the_backup_is_verified_by_a_restore_into_a_scratch_database(
    supabase_runbook: Runbook, supabase_cluster: TestCluster
) -> None:
    rb = supabase_runbook
    assert rb.call("preflight")["status"] == "PASS"
    backup = rb.call("backup", "staging")
    assert backup["status"] == "PASS", _failed(backup)
    assert backup["verified"] is True
    assert backup["verification"][1].startswith("restored into scratch database menuca_verify_")
    with supabase_cluster.admin() as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'menuca_verify_%'").fetchall()
    assert left == []


def test_on_supabase_a_full_rollback_keeps_supabase_admins_default_privileges_and_drops_later_objects(
    supabase_runbook: Runbook,
) -> None:
    rb = supabase_runbook
    with rb.admin() as conn:
        defaults = conn.execute(DEFAULTS).fetchall()
        functions_before = catalog.functions(conn)
    assert len(defaults) == 3
    assert rb.call("preflight")["status"] == "PASS"
    assert rb.call("backup", "staging")["status"] == "PASS"
    assert rb.call("apply_indexes", "staging")["status"] == "PASS"
    assert rb.call("apply_rls", "staging")["status"] == "PASS"
    with rb.admin() as conn:
        assert len(catalog.functions(conn)) > len(functions_before)
        conn.execute("CREATE TABLE menuca_v3.made_after_the_backup (id int)")

    result = rb.call("rollback", "staging", scope="full", reason="prove the restore on Supabase")
    assert result["status"] == "PASS", _failed(result)
    assert result["tickets_rolled_back"] == ["02", "03"]
    with rb.admin() as conn:
        assert conn.execute(DEFAULTS).fetchall() == defaults
        assert catalog.functions(conn) == functions_before
        assert conn.execute("SELECT to_regclass('menuca_v3.made_after_the_backup')").fetchone() == (None,)
        owner = conn.execute(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'auth'"
        ).fetchone()
    assert owner == ("supabase_admin",)
    kept = {c["name"]: c for c in result["checks"]}[
        "default privileges in the schemas kept (whoever holds them)"
    ]
    assert kept["passed"] and len(kept["actual"]) == 6  # supabase_admin's three and the working role's three


def test_a_dump_of_the_supabase_shape_names_supabase_admins_default_privileges(
    supabase_runbook: Runbook, tmp_path: Path
) -> None:
    """The fixture is the shape that broke naive restores: the dump replays supabase_admin's defaults."""
    from server import db
    from server.pgbin import find_client
    from server.proc import run_child

    conninfo, env = db.client_invocation(supabase_runbook.staging_dsn, None)
    out = tmp_path / "schema.sql"
    done = run_child(
        [
            str(find_client("pg_dump")),
            "--schema-only",
            "--schema=menuca_v3",
            f"--file={out}",
            f"--dbname={conninfo}",
        ],
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA menuca_v3" in out.read_text(
        encoding="utf-8"
    )
