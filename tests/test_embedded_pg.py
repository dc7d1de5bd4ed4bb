"""The embedded PostgreSQL and `menuca-migrate db start|stop|status`, on real server binaries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest


def _cli(*args: str, run_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args, "--run-dir", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _dsns(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if line.startswith("MENUCA_"))


def test_db_start_prints_working_dsns_a_second_start_reuses_them_and_stop_removes_everything(
    tmp_path: Path,
) -> None:
    first = _cli("db", "start", run_dir=tmp_path)
    try:
        assert first.returncode == 0, first.stderr
        dsns = _dsns(first.stdout)
        assert set(dsns) == {"MENUCA_STAGING_DSN", "MENUCA_PRODUCTION_DSN"}
        for name, dsn in dsns.items():
            with psycopg.connect(dsn) as conn:
                row = conn.execute("SELECT current_database(), inet_server_addr()::text").fetchone()
            assert row is not None
            assert row[0] == ("menuca_staging" if "STAGING" in name else "menuca_production")
            assert row[1].startswith("127.0.0.1")
        password = (tmp_path / ".menuca-pg" / "password").read_text(encoding="utf-8").strip()
        assert password not in first.stdout + first.stderr
        assert (tmp_path / ".menuca-pg" / "pgpass").stat().st_mode & 0o077 == 0

        second = _cli("db", "start", run_dir=tmp_path)
        assert second.returncode == 0
        assert "already running" in second.stdout
        assert _dsns(second.stdout) == dsns

        status = _cli("db", "status", run_dir=tmp_path)
        assert status.returncode == 0 and "running" in status.stdout
    finally:
        stop = _cli("db", "stop", run_dir=tmp_path)
    assert stop.returncode == 0
    assert not (tmp_path / ".menuca-pg").exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsns["MENUCA_STAGING_DSN"], connect_timeout=2)
    after = _cli("db", "status", run_dir=tmp_path)
    assert after.returncode != 0 and "not running" in after.stdout


def test_the_test_cluster_accepts_the_app_role_over_tcp_with_a_password(pg_cluster) -> None:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_cluster.dsn("postgres")) as conn:
        assert conn.execute("SELECT current_user").fetchone() is not None
