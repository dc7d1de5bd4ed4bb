"""Shared fixtures: one real PostgreSQL per test session, seeded templates, a fresh copy per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from server.dev.embedded_pg import EmbeddedPostgres

SMALL_SCALE = 0.05


@dataclass
class TestCluster:
    """The PostgreSQL the suite runs on: the embedded one, or the server named by MENUCA_TEST_DSN."""

    admin_dsn: str
    app_dsn_template: str
    embedded: EmbeddedPostgres | None = None
    templates: dict[tuple[float, bool], str] = field(default_factory=dict)

    __test__ = False  # not a test class, despite the name

    def dsn(self, dbname: str) -> str:
        """The application role's DSN (with its password) for dbname."""
        return make_conninfo(self.app_dsn_template, dbname=dbname)

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(make_conninfo(self.admin_dsn, dbname=dbname), autocommit=True)

    def create_database(self, name: str, template: str | None = None) -> str:
        owner = conninfo_to_dict(self.app_dsn_template).get("user") or "postgres"
        query = sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(name), sql.Identifier(str(owner))
        )
        if template:
            query = query + sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with self.admin() as conn:
            conn.execute(query)
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def template(self, scale: float, production: bool = False) -> str:
        """A database seeded once per session at this scale, used only as a CREATE DATABASE template."""
        key = (scale, production)
        if key not in self.templates:
            name = (
                f"tpl_{str(scale).replace('.', '_')}_{'prod' if production else 'stg'}_{uuid.uuid4().hex[:6]}"
            )
            dsn = self.create_database(name)
            self.seed(name, dsn, scale, production)
            self.templates[key] = name
        return self.templates[key]

    def seed(self, name: str, dsn: str, scale: float, production: bool) -> None:
        """Fill the new database `name` with the dataset (a shaped cluster adds its own steps)."""
        from server.dev.seed import seed_database

        seed_database(dsn, scale=scale, seed=1, production=production)

    def copy_of_template(self, scale: float, production: bool = False, prefix: str = "t") -> tuple[str, str]:
        """(name, dsn) of a new database copied from the seeded template."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        return name, self.create_database(name, template=self.template(scale, production))


@pytest.fixture(scope="session", autouse=True)
def private_xdg_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Journal keys and default run directories of the tests live in a temporary home of their own
    (servers the tests start get the same through server_env), never in the user's ~/.config."""
    saved = {name: os.environ.get(name) for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME")}
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("xdg-state"))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[TestCluster]:
    external = os.environ.get("MENUCA_TEST_DSN")
    if external:
        cluster = TestCluster(admin_dsn=external, app_dsn_template=external)
        yield cluster
        for name in cluster.templates.values():
            cluster.drop_database(name)
        return
    embedded = EmbeddedPostgres.create(databases=())
    try:
        app = embedded.dsn("postgres")
        yield TestCluster(admin_dsn=embedded.admin_dsn, app_dsn_template=app, embedded=embedded)
    finally:
        embedded.stop()


@pytest.fixture(scope="session")
def supabase_cluster() -> Iterator[TestCluster]:
    """A second embedded cluster in the Supabase shape (SPEC.md §15; tests/supabase.py)."""
    from tests import supabase

    yield from supabase.start()


@pytest.fixture
def make_db(pg_cluster: TestCluster) -> Iterator[Callable[..., str]]:
    """Factory: `make_db(scale=0.05, production=False)` returns the DSN of a fresh seeded copy."""
    created: list[str] = []

    def factory(scale: float = SMALL_SCALE, production: bool = False) -> str:
        name, dsn = pg_cluster.copy_of_template(scale, production)
        created.append(name)
        return dsn

    yield factory
    for name in created:
        pg_cluster.drop_database(name)


@pytest.fixture
def empty_db(pg_cluster: TestCluster) -> Iterator[str]:
    """The DSN of a new empty database owned by the application role."""
    name = f"e_{uuid.uuid4().hex[:10]}"
    dsn = pg_cluster.create_database(name)
    yield dsn
    pg_cluster.drop_database(name)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def call_guard(guard: Any, tool: str, environment: str | None = None, **args: Any) -> dict[str, Any]:
    """One call through the guard by name, its result as the agent sees it (plain JSON)."""
    from server.engine.registry import tool_args

    result: dict[str, Any] = guard.call(tool_args(tool, environment, **args)).model_dump(mode="json")  # type: ignore[arg-type]
    return result


@dataclass
class Runbook:
    """A real guard with the real tools over a fresh seeded database pair (in-process, no MCP)."""

    guard: Any
    staging_dsn: str
    production_dsn: str

    def call(self, tool: str, environment: str | None = None, **args: Any) -> dict[str, Any]:
        return call_guard(self.guard, tool, environment, **args)

    def admin(self, environment: str = "staging") -> psycopg.Connection[Any]:
        """An autocommit session as the database owner (never the server's)."""
        dsn = self.staging_dsn if environment == "staging" else self.production_dsn
        return psycopg.connect(dsn, autocommit=True, application_name="menuca-test")


@pytest.fixture
def runbook(make_db: Callable[..., str], tmp_path: Any) -> Callable[..., Runbook]:
    """Factory: `runbook(scale=0.05, soak_hours=0, require_approval=False)`."""
    from server.engine.registry import make_guard
    from server.settings import Settings

    def factory(
        scale: float = SMALL_SCALE,
        soak_hours: float = 0,
        require_approval: bool = False,
        production_scale: float | None = None,
    ) -> Runbook:
        staging = make_db(scale)
        production = make_db(production_scale or scale, production=True)
        settings = Settings(
            staging_dsn=staging,
            production_dsn=production,
            run_dir=tmp_path / "run",
            soak_hours=soak_hours,
            require_approval=require_approval,
            allow_same_server=True,  # both databases are on the suite's one server
        )
        return Runbook(make_guard(settings), staging, production)

    return factory
