"""The isolated deployment of SPEC.md §11 (README "Who may do what"): what the server writes (run dir,
journal, log, key, backups) is its own OS user's alone, so an agent running as another OS user can
neither read nor write it, and nothing it can reach over HTTP without the token answers."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.engine.registry import make_guard
from server.settings import Settings
from tests.conftest import Runbook, call_guard

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creates throwaway OS users (needs root)")


def _useradd(name: str) -> None:
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        timeout=30,
    )


@pytest.fixture
def service_and_agent_users() -> Iterator[tuple[str, str]]:
    """Two throwaway OS users: the server's (`menuca` in the README recipe) and an agent's."""
    names = (f"menuca_s{secrets.token_hex(3)}", f"menuca_a{secrets.token_hex(3)}")
    for name in names:
        _useradd(name)
    try:
        yield names
    finally:
        for name in names:
            subprocess.run(["userdel", name], check=False, timeout=30)


def _as(user: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", user, "--", *command], capture_output=True, text=True, timeout=30)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_another_os_user_can_neither_read_nor_write_the_run_dir_key_or_backups(
    make_db: Callable[..., str], service_and_agent_users: tuple[str, str]
) -> None:
    service, agent = service_and_agent_users
    # A base every user may traverse (like /var/lib): the only protection left is what the server sets.
    base = Path(tempfile.mkdtemp(prefix="menuca-iso-", dir="/tmp"))
    base.chmod(0o755)
    try:
        settings = Settings(
            staging_dsn=make_db(),
            production_dsn=make_db(production=True),
            run_dir=base / "run",
            key_file=base / "keys" / "journal.key",
            soak_hours=0,
            require_approval=True,
            allow_same_server=True,  # the suite's databases share one server
        )
        rb = Runbook(make_guard(settings), settings.staging_dsn or "", settings.production_dsn or "")
        assert call_guard(rb.guard, "preflight")["status"] == "PASS"
        backup = call_guard(rb.guard, "backup", "staging")
        assert backup["status"] == "PASS"

        run_dir, key, dump = settings.run_dir, settings.journal_key_file, Path(backup["path"])
        assert _mode(run_dir) == 0o700 and _mode(key.parent) == 0o700 and _mode(dump.parent) == 0o700
        private_files = [run_dir / "journal.jsonl", run_dir / "EXECUTION_LOG.md", key, dump]
        assert all(_mode(path) == 0o600 for path in private_files), {
            p.name: oct(_mode(p)) for p in private_files
        }

        owner = pwd.getpwnam(service)
        for path in [run_dir, *run_dir.rglob("*"), key.parent, key]:
            os.chown(path, owner.pw_uid, owner.pw_gid, follow_symlinks=False)

        for path in private_files:
            read = _as(agent, "cat", str(path))
            assert read.returncode != 0 and "Permission denied" in read.stderr, (path, read.stdout[:80])
        assert _as(agent, "ls", str(run_dir)).returncode != 0
        assert _as(agent, "touch", str(run_dir / "journal.jsonl")).returncode != 0
        assert _as(agent, "sh", "-c", f"echo forged >> {run_dir / 'journal.jsonl'}").returncode != 0
        assert _as(agent, "cp", str(key), "/tmp/stolen.key").returncode != 0
        # the server's own user can (the operator's commands run as it: sudo -u menuca menuca-migrate …)
        assert _as(service, "cat", str(run_dir / "journal.jsonl")).returncode == 0
    finally:
        shutil.rmtree(base, ignore_errors=True)
