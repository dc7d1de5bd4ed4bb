"""Staging and production must be two databases, on two servers unless MENUCA_ALLOW_SAME_SERVER (SPEC.md
§3): one database under any spelling of its DSN is a preflight FAIL before any lock is taken (never
LOCKED), every other tool refuses NOT_CONFIGURED naming it, and `next` says only a human can fix it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from server.cli import _settings_from, build_parser
from server.engine.guard import Guard
from server.engine.registry import make_guard
from server.errors import ConfigError, Refused
from server.settings import Settings, load_settings
from tests.conftest import TestCluster, call_guard

SPELLINGS = ["identical", "localhost", "key/value", "another user", "unix socket"]


@pytest.fixture
def other_user(pg_cluster: TestCluster) -> Iterator[tuple[str, str]]:
    """(name, password) of a second login role of the cluster."""
    name, password = f"menuca_other_{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    with pg_cluster.admin() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password))
        )
    yield name, password
    with pg_cluster.admin() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def _spelling(pg_cluster: TestCluster, dsn: str, how: str, other_user: tuple[str, str]) -> str:
    """Another DSN for the database `dsn` names."""
    params = {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}
    if how == "identical":
        return dsn
    if how == "localhost":
        return make_conninfo(dsn, host="localhost")
    if how == "key/value":
        return " ".join(f"{k}='{v}'" for k, v in params.items())
    if how == "another user":
        return make_conninfo(dsn, user=other_user[0], password=other_user[1])
    if pg_cluster.embedded is None:
        pytest.skip("the unix socket of an external MENUCA_TEST_DSN server is not known")
    socket_dir = str(pg_cluster.embedded.socket_dir)
    return make_conninfo(dsn, host=socket_dir, password="")


def _guard(tmp_path: Path, staging: str, production: str, allow_same_server: bool = True) -> Guard:
    return make_guard(
        Settings(
            staging_dsn=staging,
            production_dsn=production,
            run_dir=tmp_path / "run",
            soak_hours=0,
            require_approval=False,
            allow_same_server=allow_same_server,
        )
    )


def _failed(result: dict[str, Any]) -> dict[str, Any]:
    return {c["name"]: c for c in result["checks"] if not c["passed"]}


@pytest.mark.parametrize("how", SPELLINGS)
def test_one_database_under_two_spellings_fails_preflight_refuses_the_rest_and_next_waits_for_a_human(
    pg_cluster: TestCluster,
    make_db: Callable[..., str],
    other_user: tuple[str, str],
    tmp_path: Path,
    how: str,
) -> None:
    staging = make_db()
    guard = _guard(tmp_path, staging, _spelling(pg_cluster, staging, how, other_user))
    first = call_guard(guard, "preflight")  # never REFUSED LOCKED by its own second lock session
    again = call_guard(guard, "preflight")
    for result in (first, again):
        assert result["status"] == "FAIL", result["summary"]
        assert list(_failed(result)) == ["staging and production are distinct databases"]
        assert "same database" in result["summary"] and "MENUCA_PRODUCTION_DSN" in result["summary"]
        nxt = result["next"]
        assert {k: nxt[k] for k in ("ticket", "tool", "environment", "blocked_by", "args")} == {
            "ticket": "00",
            "tool": "preflight",
            "environment": "both",
            "blocked_by": "NOT_CONFIGURED",
            "args": None,
        }
        assert [b["code"] for b in nxt["blockers"]] == ["NOT_CONFIGURED"]
    status = guard.status()
    assert status.next is not None and status.next.blocked_by == "NOT_CONFIGURED"
    assert any("same database" in w for w in status.warnings)
    for tool in ("backup", "apply_indexes", "validate"):
        with pytest.raises(Refused) as refused:
            call_guard(guard, tool, "staging")
        assert refused.value.code == "NOT_CONFIGURED"
        assert "same database" in refused.value.message

    # the human points production elsewhere: the block is lifted and preflight passes
    fixed = _guard(tmp_path, staging, make_db(production=True))
    assert fixed.status().next is not None and fixed.status().next.blocked_by is None
    assert call_guard(fixed, "preflight")["status"] == "PASS"


def test_two_databases_of_one_server_fail_preflight_unless_allowed(
    make_db: Callable[..., str], tmp_path: Path
) -> None:
    staging, production = make_db(), make_db(production=True)
    refused = call_guard(_guard(tmp_path, staging, production, allow_same_server=False), "preflight")
    assert refused["status"] == "FAIL"
    check = _failed(refused)[
        "staging and production are on different PostgreSQL servers (or MENUCA_ALLOW_SAME_SERVER)"
    ]
    assert check["actual"] == "one server"
    assert "MENUCA_ALLOW_SAME_SERVER" in refused["summary"]
    assert refused["next"]["blocked_by"] == "NOT_CONFIGURED"
    blocked = _guard(tmp_path, staging, production, allow_same_server=False)
    with pytest.raises(Refused) as caught:
        call_guard(blocked, "backup", "staging")
    assert caught.value.code == "NOT_CONFIGURED" and "one running PostgreSQL server" in caught.value.message

    allowed = call_guard(_guard(tmp_path, staging, production, allow_same_server=True), "preflight")
    assert allowed["status"] == "PASS", _failed(allowed)
    shown = {c["name"]: c["actual"] for c in allowed["checks"]}
    assert (
        shown["staging and production are on different PostgreSQL servers (or MENUCA_ALLOW_SAME_SERVER)"]
        == "one server, allowed by MENUCA_ALLOW_SAME_SERVER"
    )


@pytest.mark.parametrize(("raw", "expected"), [(None, False), ("true", True), ("0", False), ("yes", True)])
def test_allow_same_server_defaults_to_false_and_reads_the_environment(
    raw: str | None, expected: bool
) -> None:
    env = {} if raw is None else {"MENUCA_ALLOW_SAME_SERVER": raw}
    assert load_settings(env).allow_same_server is expected


def test_an_invalid_allow_same_server_value_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="MENUCA_ALLOW_SAME_SERVER='sometimes' is not a boolean"):
        load_settings({"MENUCA_ALLOW_SAME_SERVER": "sometimes"})


def test_the_allow_same_server_flag_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENUCA_ALLOW_SAME_SERVER", "false")
    assert _settings_from(build_parser().parse_args(["status", "--allow-same-server"])).allow_same_server
    monkeypatch.setenv("MENUCA_ALLOW_SAME_SERVER", "true")
    flag_off = build_parser().parse_args(["status", "--no-allow-same-server"])
    assert _settings_from(flag_off).allow_same_server is False
