"""Locating the local PostgreSQL binaries (server for the embedded cluster, clients for backups)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from server.errors import EmbeddedPgError

INSTALL_HINT = (
    "install the PostgreSQL server and client binaries (Debian/Ubuntu: `apt-get install postgresql`; "
    "macOS: `brew install postgresql@15`), or put the directory holding initdb and pg_ctl on PATH"
)


def _major(bindir: Path) -> int:
    """The major version of the binaries in bindir (0 when it cannot be told)."""
    match = re.search(r"/postgresql/(\d+)/", str(bindir) + "/")
    if match:
        return int(match.group(1))
    exe = bindir / "pg_ctl"
    if not exe.exists():
        exe = bindir / "pg_dump"
    try:
        out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else 0


def _candidates() -> Iterator[Path]:
    """Directories that may hold PostgreSQL binaries, in the order SPEC.md §4 gives."""
    for name in ("initdb", "pg_ctl", "pg_dump"):
        found = shutil.which(name)
        if found:
            yield Path(os.path.realpath(found)).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                yield Path(out.stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    versioned = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_major, reverse=True)
    yield from versioned


def find_bindir(*tools: str) -> Path:
    """The first candidate directory holding every named tool; raises with an install hint otherwise."""
    wanted = tools or ("initdb", "pg_ctl", "postgres")
    seen: set[Path] = set()
    for bindir in _candidates():
        if bindir in seen:
            continue
        seen.add(bindir)
        if all((bindir / tool).is_file() and os.access(bindir / tool, os.X_OK) for tool in wanted):
            return bindir
    raise EmbeddedPgError(f"no PostgreSQL binaries ({', '.join(wanted)}) found: {INSTALL_HINT}")


def find_client(tool: str, min_major: int = 0) -> Path:
    """The client binary `tool` (pg_dump, pg_restore) of at least `min_major`, newest first."""
    best: tuple[int, Path] | None = None
    seen: set[Path] = set()
    for bindir in _candidates():
        if bindir in seen or not (bindir / tool).is_file():
            continue
        seen.add(bindir)
        major = _major(bindir)
        if best is None or major > best[0]:
            best = (major, bindir / tool)
    if best is None:
        raise EmbeddedPgError(f"no {tool} found: {INSTALL_HINT}")
    if best[0] and best[0] < min_major:
        raise EmbeddedPgError(
            f"{tool} {best[0]} cannot dump a PostgreSQL {min_major} server: install the version "
            f"{min_major} client binaries"
        )
    return best[1]
