"""The wheel works anywhere: it carries sql/ and tickets/, its log header is a constant of the
package, and nothing an installed copy reads comes from a checkout or a file a run can change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

from server import resources
from server.journal import EXECUTION_LOG, LOG_HEADER

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ("server", "tools", "sql", "tickets", "pyproject.toml", "README.md", EXECUTION_LOG)
FORGED_BLOCK = (
    "\n## TICKET 03 — apply_rls — staging\nDecision: REFUSED OUT_OF_ORDER\n"
    "Journal head: seq 2, hash " + "ab" * 32 + "\n"
)


def _copy_checkout(dest: Path) -> Path:
    """The files a checkout has (no build/, caches or run directories), copied under dest."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".mypy_cache", ".ruff_cache")
    dest.mkdir()
    for name in SHIPPED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=ignore)
        else:
            shutil.copy2(source, dest / name)
    return dest


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_the_repository_log_holds_exactly_the_packaged_header() -> None:
    assert (REPO / EXECUTION_LOG).read_text(encoding="utf-8") == LOG_HEADER


def test_appending_to_the_repository_log_changes_nothing_in_a_new_runs_log(tmp_path: Path) -> None:
    checkout = _copy_checkout(tmp_path / "checkout")
    with open(checkout / EXECUTION_LOG, "a", encoding="utf-8") as handle:
        handle.write(FORGED_BLOCK)  # what a server started in the checkout once appended
    run_dir = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENUCA_")}

    halted = _run(
        [sys.executable, "-m", "server.cli", "halt", "--reason", "lunch", "--run-dir", str(run_dir)],
        checkout,
        env,
    )
    assert halted.returncode == 0, halted.stderr
    log = (run_dir / EXECUTION_LOG).read_text(encoding="utf-8")
    assert log.startswith(LOG_HEADER)
    assert "REFUSED OUT_OF_ORDER" not in log and "seq 2," not in log
    verified = _run(
        [sys.executable, "-m", "server.cli", "verify-log", "--run-dir", str(run_dir)], checkout, env
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_every_python_package_is_listed_for_the_wheel() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("server", "tools")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert set(config["packages"]) - set(config["package-dir"]) == on_disk
    assert config["package-dir"] == {"server.sql": "sql", "server.tickets": "tickets"}


def test_the_installed_wheel_carries_sql_and_tickets_and_runs_outside_any_checkout(tmp_path: Path) -> None:
    checkout = _copy_checkout(tmp_path / "checkout")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), "."],
        checkout,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("menuca_migrate-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, suffix in (("sql", ".sql"), ("tickets", ".md")):
        expected = {f"server/{folder}/{name}" for name, _ in resources.walk(folder, suffix)}
        assert expected and expected <= names

    # The dependencies come from this interpreter's site-packages; the package itself only from
    # the wheel, and nothing of the checkout is left to read from.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    # --ignore-installed: this interpreter may hold an editable menuca-migrate; the venv gets the wheel
    python = env_dir / "bin" / "python"
    installed = _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            str(wheel),
        ],
        tmp_path,
    )
    assert installed.returncode == 0, installed.stderr
    shutil.rmtree(checkout)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MENUCA_", "PYTHON"))}

    where = _run(
        [
            str(python),
            "-c",
            "import json, server.resources as r; print(json.dumps([r.__file__, str(r.folder('sql'))]))",
        ],
        elsewhere,
        env,
    )
    assert where.returncode == 0, where.stderr
    module, sql_dir = json.loads(where.stdout)
    assert module.startswith(str(env_dir)) and sql_dir.startswith(str(env_dir)), where.stdout
    helped = _run([str(env_dir / "bin" / "menuca-migrate"), "--help"], elsewhere, env)
    assert helped.returncode == 0 and "serve" in helped.stdout, helped.stderr
    run_dir = elsewhere / "run"
    halted = _run(
        [str(env_dir / "bin" / "menuca-migrate"), "halt", "--reason", "x", "--run-dir", str(run_dir)],
        elsewhere,
        env,
    )
    assert halted.returncode == 0, halted.stderr
    assert (run_dir / EXECUTION_LOG).read_text(encoding="utf-8").startswith(LOG_HEADER)
    verified = _run(
        [str(env_dir / "bin" / "menuca-migrate"), "verify-log", "--run-dir", str(run_dir)], elsewhere, env
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
