"""A throwaway PostgreSQL cluster on a free loopback port, for the demo, replays, tests and benchmarks."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from server.db import sql_file
from server.dev import pg_tree
from server.errors import EmbeddedPgError
from server.pgbin import Binaries, server_binaries

APP_ROLE = "menuca"
DATABASES = ("menuca_staging", "menuca_production")
STATE_DIR = ".menuca-pg"
UNPRIVILEGED_USER = "postgres"

# Throwaway data: durability traded for speed. Loopback only; the socket directory is private.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "max_prepared_transactions": "10",
    "shared_buffers": "'256MB'",
    "maintenance_work_mem": "'256MB'",
    "unix_socket_permissions": "0700",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] %a '",
    # the health samples' slowest statements (SPEC.md §12); the extension is created in template1
    "shared_preload_libraries": "'pg_stat_statements'",
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_server_user() -> list[str]:
    """The command prefix that runs a server binary as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError as exc:
        raise EmbeddedPgError(
            f"PostgreSQL refuses to run as root and there is no '{UNPRIVILEGED_USER}' user: "
            f"create one (`useradd --system {UNPRIVILEGED_USER}`) or run as a normal user"
        ) from exc
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", UNPRIVILEGED_USER, "--"]
    setpriv = shutil.which("setpriv")
    if setpriv:
        return [
            setpriv,
            f"--reuid={UNPRIVILEGED_USER}",
            f"--regid={UNPRIVILEGED_USER}",
            "--clear-groups",
            "--",
        ]
    raise EmbeddedPgError("running as root needs runuser or setpriv (util-linux) to drop privileges")


def _run(cmd: list[str], what: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/")
    except subprocess.TimeoutExpired as exc:
        raise EmbeddedPgError(f"{what} did not finish within {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise EmbeddedPgError(f"{what} failed: {(done.stderr or done.stdout).strip()[-800:]}")
    return done


@dataclass
class EmbeddedPostgres:
    """A running (or stopped) throwaway cluster; `state` is what `db start` persists to find it again."""

    base: Path
    port: int
    password: str
    bindir: Path
    version: str = ""  # of the server binaries, e.g. "18.6"
    source: str = ""  # where they were found (pgbin: MENUCA_PG_BINDIR, the system, the wheel)

    def describe(self) -> str:
        """Which PostgreSQL runs and where its binaries come from, for the operator."""
        return Binaries(self.bindir, self.version or "?", self.source or "unknown").describe()

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "sock"

    @property
    def log_file(self) -> Path:
        return self.base / "postgres.log"

    @property
    def admin_dsn(self) -> str:
        """Superuser over the private unix socket (trust auth, reachable only by its owner and root)."""
        return f"host={self.socket_dir} port={self.port} user=postgres dbname=postgres"

    def dsn(self, dbname: str, *, passfile: Path | None = None) -> str:
        """The application role's DSN: with its password, or pointing at a password file."""
        if passfile is not None:
            return (
                f"postgresql://{APP_ROLE}@127.0.0.1:{self.port}/{dbname}"
                f"?passfile={quote(str(passfile), safe='/')}"
            )
        return f"postgresql://{APP_ROLE}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{dbname}"

    # -- lifecycle -------------------------------------------------------------------------------

    @classmethod
    def create(cls, parent: Path | None = None, databases: tuple[str, ...] = DATABASES) -> EmbeddedPostgres:
        """initdb, start and prepare a new cluster in a new temporary directory under `parent`."""
        binaries = pg_tree.reachable(server_binaries(), _as_server_user(), UNPRIVILEGED_USER)
        # The server user must traverse every parent of the data dir: default to the system temp dir.
        base = Path(tempfile.mkdtemp(prefix="menuca-pg-", dir=parent))
        cluster = cls(
            base=base,
            port=0,
            password=secrets.token_urlsafe(24),
            bindir=binaries.bindir,
            version=binaries.version,
            source=binaries.source,
        )
        try:
            cluster._init()
            cluster._start_on_free_port()
            cluster._prepare(databases)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _chown_to_server_user(self, *paths: Path) -> None:
        if os.geteuid() == 0:
            entry = pwd.getpwnam(UNPRIVILEGED_USER)
            for path in paths:
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def _init(self) -> None:
        self.socket_dir.mkdir(mode=0o700)
        self._chown_to_server_user(self.base, self.socket_dir)
        _run(
            [
                *_as_server_user(),
                str(self.bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
            ],
            "initdb",
        )

    def _write_settings(self) -> None:
        lines = [f"{key} = {value}" for key, value in SERVER_SETTINGS.items()]
        lines += [f"port = {self.port}", f"unix_socket_directories = '{self.socket_dir}'"]
        conf = self.data_dir / "postgresql.auto.conf"
        conf.write_text(
            "# written by menuca-migrate's embedded PostgreSQL\n" + "\n".join(lines) + "\n", encoding="utf-8"
        )
        self._chown_to_server_user(conf)

    def _start_on_free_port(self, attempts: int = 5) -> None:
        last: EmbeddedPgError | None = None
        for _ in range(attempts):
            self.port = _free_port()
            self._write_settings()
            try:
                self.start()
                return
            except EmbeddedPgError as exc:  # another process took the port between probe and bind
                last = exc
        raise last or EmbeddedPgError("could not start PostgreSQL")

    def start(self) -> None:
        if not self.log_file.exists():
            self.log_file.touch()
            self._chown_to_server_user(self.log_file)
        _run(
            [
                *_as_server_user(),
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "start",
            ],
            "pg_ctl start",
        )

    def _prepare(self, databases: tuple[str, ...]) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN CREATEDB CREATEROLE PASSWORD {}").format(
                    sql.Identifier(APP_ROLE), sql.Literal(self.password)
                )
            )
            conn.execute(sql_file("embedded/cluster_roles.sql"))
        # every database created from now on (those below, the tests' copies) has pg_stat_statements
        with psycopg.connect(make_conninfo(self.admin_dsn, dbname="template1"), autocommit=True) as conn:
            conn.execute(sql_file("embedded/extensions.sql"))
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            for name in databases:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(APP_ROLE)
                    )
                )

    def is_running(self) -> bool:
        if not self.data_dir.exists():
            return False
        done = subprocess.run(
            [*_as_server_user(), str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "status"],
            capture_output=True,
            text=True,
            cwd="/",
        )
        return done.returncode == 0

    def crash(self) -> None:
        """Stop the server the way a crash does (`pg_ctl -m immediate`), keeping its data: for fault
        tests; `start()` brings it back through crash recovery."""
        _run(
            [
                *_as_server_user(),
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            "pg_ctl stop -m immediate",
        )

    def stop(self, *, remove: bool = True) -> None:
        """Stop the server (fast shutdown) and remove its directory."""
        if (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(EmbeddedPgError):
                _run(
                    [
                        *_as_server_user(),
                        str(self.bindir / "pg_ctl"),
                        "-D",
                        str(self.data_dir),
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        "60",
                        "stop",
                    ],
                    "pg_ctl stop",
                )
        if remove:
            shutil.rmtree(self.base, ignore_errors=True)

    # -- persisted state for `db start|stop|status` -------------------------------------------------

    def to_state(self) -> dict[str, str | int]:
        return {
            "base": str(self.base),
            "port": self.port,
            "bindir": str(self.bindir),
            "version": self.version,
            "source": self.source,
        }

    @classmethod
    def from_state(cls, state_dir: Path) -> EmbeddedPostgres | None:
        state_file = state_dir / "state.json"
        if not state_file.exists():
            return None
        data = json.loads(state_file.read_text(encoding="utf-8"))
        password = (state_dir / "password").read_text(encoding="utf-8").strip()
        return cls(
            base=Path(data["base"]),
            port=int(data["port"]),
            password=password,
            bindir=Path(data["bindir"]),
            version=str(data.get("version", "")),
            source=str(data.get("source", "")),
        )


def state_dir_of(run_dir: Path) -> Path:
    return run_dir / STATE_DIR


def passfile_of(run_dir: Path) -> Path:
    return state_dir_of(run_dir) / "pgpass"


def start_detached(run_dir: Path) -> tuple[EmbeddedPostgres, bool]:
    """`db start`: reuse the running cluster recorded in run_dir, or create one; (cluster, was_running)."""
    state_dir = state_dir_of(run_dir)
    existing = EmbeddedPostgres.from_state(state_dir)
    if existing is not None:
        if existing.is_running():
            return existing, True
        existing.stop()  # stale state (rebooted machine, wiped /tmp): start afresh
        shutil.rmtree(state_dir, ignore_errors=True)
    cluster = EmbeddedPostgres.create()
    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_private(state_dir / "password", cluster.password + "\n")
        _write_private(passfile_of(run_dir), f"127.0.0.1:{cluster.port}:*:{APP_ROLE}:{cluster.password}\n")
        (state_dir / "state.json").write_text(
            json.dumps(cluster.to_state(), indent=2) + "\n", encoding="utf-8"
        )
    except OSError as exc:
        cluster.stop()
        raise EmbeddedPgError(f"cannot write the cluster's state under {state_dir}: {exc.strerror}") from exc
    return cluster, False


def stop_detached(run_dir: Path) -> bool:
    """`db stop`: stop and remove the cluster recorded in run_dir; False when there was none."""
    state_dir = state_dir_of(run_dir)
    existing = EmbeddedPostgres.from_state(state_dir)
    if existing is None:
        return False
    existing.stop()
    shutil.rmtree(state_dir, ignore_errors=True)
    return True


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def wait_until_accepting(dsn: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
