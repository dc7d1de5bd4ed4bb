"""A real PgBouncer in front of a test cluster, in transaction or session pool mode (SPEC.md §15)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PoolMode = Literal["transaction", "session"]
SERVER_USER = "postgres"  # pgbouncer, like PostgreSQL, refuses to run as root


def binary() -> str | None:
    """pgbouncer on PATH or where Debian's package puts it."""
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(p, os.X_OK)), None
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PgBouncer:
    """A running PgBouncer; `dsn(direct)` is the same DSN with the pooler's port."""

    base: Path
    port: int
    mode: PoolMode
    process: subprocess.Popen[bytes]

    def dsn(self, direct: str) -> str:
        return make_conninfo(direct, host="127.0.0.1", port=str(self.port))

    @property
    def log(self) -> str:
        path = self.base / "pgbouncer.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _config(mode: PoolMode, port: int, server_port: int, base: Path) -> str:
    return "\n".join(
        [
            "[databases]",
            f"* = host=127.0.0.1 port={server_port}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {port}",
            "unix_socket_dir =",
            "auth_type = scram-sha-256",
            f"auth_file = {base / 'userlist.txt'}",
            f"pool_mode = {mode}",
            "max_client_conn = 200",
            "default_pool_size = 20",
            "server_reset_query = DISCARD ALL",
            f"logfile = {base / 'pgbouncer.log'}",
            f"pidfile = {base / 'pgbouncer.pid'}",
            "",
        ]
    )


def _as_unprivileged() -> tuple[list[str], pwd.struct_passwd | None]:
    """The command prefix that drops root (setpriv execs in place, so the pid we hold is PgBouncer's
    own; runuser would sit in between), and the user it becomes."""
    if os.geteuid() != 0:
        return [], None
    entry = pwd.getpwnam(SERVER_USER)
    setpriv = shutil.which("setpriv")
    if setpriv:
        return [setpriv, f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups", "--"], entry
    return ["runuser", "-u", SERVER_USER, "--"], entry


@contextlib.contextmanager
def running(direct_dsn: str, mode: PoolMode, attempts: int = 5) -> Iterator[PgBouncer]:
    """Start PgBouncer in front of the server of `direct_dsn` (whose user and password it accepts)."""
    exe = binary()
    if exe is None:
        raise RuntimeError("pgbouncer is not installed: apt-get install -y pgbouncer")
    params = conninfo_to_dict(direct_dsn)
    user, password = str(params["user"]), str(params["password"])
    prefix, user_entry = _as_unprivileged()
    base = Path(tempfile.mkdtemp(prefix="menuca-pgbouncer-"))
    try:
        userlist = base / "userlist.txt"
        fd = os.open(userlist, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f'"{user}" "{password}"\n')
        bouncer = _start(exe, prefix, base, mode, int(str(params["port"])), user_entry, attempts, direct_dsn)
        try:
            yield bouncer
        finally:
            bouncer.process.terminate()  # SIGTERM: immediate shutdown
            try:
                bouncer.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                bouncer.process.kill()
                bouncer.process.wait()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _start(
    exe: str,
    prefix: list[str],
    base: Path,
    mode: PoolMode,
    server_port: int,
    user_entry: pwd.struct_passwd | None,
    attempts: int,
    direct_dsn: str,
) -> PgBouncer:
    last = ""
    for _ in range(attempts):
        port = _free_port()
        ini = base / "pgbouncer.ini"
        ini.write_text(_config(mode, port, server_port, base), encoding="utf-8")
        if user_entry is not None:  # PgBouncer reads its files and writes its log as that user
            for path in (base, base / "userlist.txt", ini):
                os.chown(path, user_entry.pw_uid, user_entry.pw_gid)
        process = subprocess.Popen(
            [*prefix, exe, str(ini)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/"
        )
        bouncer = PgBouncer(base, port, mode, process)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with psycopg.connect(bouncer.dsn(direct_dsn), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return bouncer
            except psycopg.OperationalError as exc:
                last = str(exc)
                time.sleep(0.1)
        process.kill()
        _, err = process.communicate()
        last = (err or b"").decode("utf-8", "replace")[-500:] or last or bouncer.log[-500:]
    raise RuntimeError(f"pgbouncer did not start: {last}")
