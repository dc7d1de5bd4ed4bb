"""Preflight names every privilege the run needs and lacks, with the statement that grants it, on a
Supabase-shaped PostgreSQL where the working role is no superuser (SPEC.md §15)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from server.dev import supabase
from server.dev.embedded_pg import APP_ROLE
from server.engine.registry import make_guard
from server.settings import Settings
from tests import supabase as supabase_tests
from tests.conftest import call_guard
from tests.supabase import SupabaseCluster

SCALE = 0.05


@pytest.fixture(scope="module")
def shaped() -> Iterator[SupabaseCluster]:
    """A cluster of this module's own: its tests take privileges away from the working role."""
    yield from supabase_tests.start()


@dataclass
class Pair:
    cluster: SupabaseCluster
    staging: str
    production: str
    staging_db: str
    run_dir: Path

    def preflight(self) -> dict[str, Any]:
        settings = Settings(
            staging_dsn=self.staging,
            production_dsn=self.production,
            run_dir=self.run_dir,
            soak_hours=0,
            require_approval=False,
            allow_same_server=True,  # the suite's databases share one server
        )
        result: dict[str, Any] = call_guard(make_guard(settings), "preflight", None)
        return result

    def superuser(self, dbname: str | None = None) -> psycopg.Connection[Any]:
        return self.cluster.admin(dbname or self.staging_db)


@pytest.fixture
def pair(shaped: SupabaseCluster, tmp_path: Path) -> Iterator[Callable[..., Pair]]:
    """Factory: a fresh staging/production copy; `staging_owner` makes staging's database another's."""
    created: list[str] = []

    def factory(staging_owner: str | None = None) -> Pair:
        names = []
        for production in (False, True):
            name = f"p_{uuid.uuid4().hex[:10]}"
            owner = staging_owner if staging_owner and not production else APP_ROLE
            with shaped.admin() as conn:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE {}").format(
                        sql.Identifier(name),
                        sql.Identifier(owner),
                        sql.Identifier(shaped.template(SCALE, production)),
                    )
                )
            created.append(name)
            names.append(name)
        return Pair(shaped, shaped.dsn(names[0]), shaped.dsn(names[1]), names[0], tmp_path / "run")

    yield factory
    for name in created:
        shaped.drop_database(name)
    supabase.shape_cluster(shaped.admin_dsn)  # roles back in shape for the next test


def _failed(result: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: str(c["actual"]) for c in result["checks"] if not c["passed"]}


def test_the_supabase_shape_passes_preflight_and_reports_supabase_admins_default_privileges(
    pair: Callable[..., Pair],
) -> None:
    p = pair()
    with p.superuser() as conn:
        role = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = %s",
            [APP_ROLE],
        ).fetchone()
    assert role == (False, True, True, True)
    result = p.preflight()
    assert result["status"] == "PASS", _failed(result)
    reported = {c["name"]: c["actual"] for c in result["checks"]}
    assert reported[
        "staging: default privileges other roles hold in menuca_v3 and staging (kept, never replayed)"
    ] == ["supabase_admin"]
    assert not any(c.get("warning") for c in result["checks"])


@pytest.mark.parametrize(
    ("deprive", "failed_check", "grant"),
    [
        (
            "ALTER ROLE menuca NOCREATEDB",
            "may create the backup's scratch database (CREATEDB)",
            'ALTER ROLE "menuca" CREATEDB;',
        ),
        (
            "ALTER TABLE menuca_v3.dishes OWNER TO supabase_admin",
            "owns every table, sequence, view, function and type in menuca_v3 and staging",
            "ALTER SEQUENCE menuca_v3.dishes_id_seq OWNER TO menuca; ALTER TABLE menuca_v3.dishes OWNER TO menuca;",
        ),
        (
            "ALTER SCHEMA staging OWNER TO supabase_admin",
            "may create in schemas menuca_v3 and staging (USAGE and CREATE)",
            'GRANT USAGE, CREATE ON SCHEMA "staging" TO "menuca";',
        ),
        (
            "REVOKE anon FROM menuca; REVOKE authenticator FROM menuca",
            "may SET ROLE anon and authenticated (the RLS tests run as them)",
            'GRANT "anon" TO "menuca";',
        ),
        (
            "REVOKE USAGE ON SCHEMA auth FROM authenticated",
            "auth.jwt() and auth.uid() exist and menuca, anon and authenticated may call them",
            'GRANT USAGE ON SCHEMA auth TO "authenticated";',
        ),
        (
            "CREATE SCHEMA menuca_migrate AUTHORIZATION supabase_admin",
            "may create the menuca_migrate bookkeeping schema (CREATE on database {db})",
            'ALTER SCHEMA menuca_migrate OWNER TO "menuca";',
        ),
    ],
    ids=["createdb", "table_owner", "schema_create", "set_role", "auth_usage", "bookkeeping_owner"],
)
def test_a_missing_privilege_is_a_preflight_fail_naming_the_grant(
    pair: Callable[..., Pair], deprive: str, failed_check: str, grant: str
) -> None:
    p = pair()
    with p.superuser() as conn:
        conn.execute(deprive.encode())
    result = p.preflight()
    assert result["status"] == "FAIL"
    name = "staging: " + failed_check.format(db=p.staging_db)
    failed = _failed(result)
    assert name in failed, failed
    assert grant in failed[name]
    # only this privilege is missing on staging (a role attribute is missing on both databases)
    assert {n for n in failed if n.startswith("staging:")} == {name}
    assert name in result["summary"]


def test_a_database_the_role_may_not_create_in_is_a_preflight_fail_naming_the_grant(
    pair: Callable[..., Pair],
) -> None:
    p = pair(staging_owner=supabase.ADMIN_ROLE)
    result = p.preflight()
    name = f"staging: may create the menuca_migrate bookkeeping schema (CREATE on database {p.staging_db})"
    failed = _failed(result)
    assert result["status"] == "FAIL"
    assert set(failed) == {name}
    assert f'GRANT CREATE ON DATABASE "{p.staging_db}" TO "menuca";' in failed[name]
    assert "as supabase_admin or a superuser" in failed[name]


def test_a_role_blind_to_other_sessions_passes_preflight_with_a_warning(pair: Callable[..., Pair]) -> None:
    p = pair()
    with p.superuser() as conn:
        conn.execute("REVOKE pg_monitor FROM menuca")
    result = p.preflight()
    assert result["status"] == "PASS", _failed(result)
    warned = {c["name"]: c for c in result["checks"] if c.get("warning")}
    name = "staging: sees other roles' sessions (pg_monitor or pg_read_all_stats)"
    assert set(warned) == {name, name.replace("staging", "production")}
    assert 'GRANT pg_read_all_stats TO "menuca";' in warned[name]["actual"]
    assert "long-transaction check" in warned[name]["warning"]
    assert "Warning: " + name in result["summary"]
