"""Database access: the only module that opens psycopg connections, and the loader of sql/ files."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.resources import as_file
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, LiteralString

import pglast
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from server import resources
from server.errors import NotConfigured
from server.settings import dsn_problem, password_candidates, redact_dsn, scrub

# The package's sql/ folder (inside an installed wheel, or the checkout's top-level one).
SQL_DIR: Traversable = resources.folder("sql")

# How often the server checks that its client is still there while a query runs: a killed server's
# backends end within this time instead of finishing work behind a new server's back (SPEC.md §3).
CLIENT_CHECK_INTERVAL_MS = 1000

Conn = psycopg.Connection[Any]


def application_name(run_id: str | None) -> str:
    return f"menuca-migrate/{run_id or 'none'}"[:63]


def connect(
    dsn: str,
    *,
    run_id: str | None = None,
    autocommit: bool = False,
    connect_timeout: int = 5,
    name: str | None = None,
) -> Conn:
    """Open a session tagged `menuca-migrate/<run_id>` (or `name`, for sessions that are not the
    server's, such as a replay's scripted SQL); errors never carry the DSN's password."""
    problem = dsn_problem(dsn)
    if problem is not None:  # libpq's own words would quote the DSN, password included
        raise NotConfigured(f"{problem}; fix the DSN and restart the server")
    try:
        conn = psycopg.connect(
            dsn,
            autocommit=autocommit,
            connect_timeout=connect_timeout,
            application_name=name or application_name(run_id),
            row_factory=dict_row,
        )
    except psycopg.Error as exc:
        # whatever libpq says, no part of the password is shown
        raise NotConfigured(
            f"cannot connect to {redact_dsn(dsn)}: {scrub(_first_line(exc), password_candidates(dsn))}"
        ) from None
    try:
        # Durable commits: on a server running with synchronous_commit off, a crash loses commits it has
        # already acknowledged, and a step journaled "passed" (or its anchor) would be gone. Only `off`
        # is raised (to `local`); on, remote_write and remote_apply are the DBA's and stay.
        conn.execute(
            "SELECT set_config('client_connection_check_interval', %s, false),"
            " set_config('synchronous_commit', CASE current_setting('synchronous_commit')"
            " WHEN 'off' THEN 'local' ELSE current_setting('synchronous_commit') END, false)",
            [str(CLIENT_CHECK_INTERVAL_MS)],
        )
        if not autocommit:
            conn.commit()
    except psycopg.Error:
        conn.close()
        raise
    return conn


@contextmanager
def session(dsn: str, *, run_id: str | None = None, autocommit: bool = False) -> Iterator[Conn]:
    conn = connect(dsn, run_id=run_id, autocommit=autocommit)
    try:
        yield conn
    finally:
        conn.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def client_invocation(dsn: str, run_id: str | None) -> tuple[str, dict[str, str]]:
    """(conninfo without the password, environment carrying it) for a child process such as pg_dump:
    a password on a command line is visible to every user of the machine."""
    problem = dsn_problem(dsn)
    if problem is not None:
        raise NotConfigured(f"{problem}; fix the DSN and restart the server")
    params = {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}
    password = params.pop("password", None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if password:
        env["PGPASSWORD"] = password
    params.pop("application_name", None)
    env["PGAPPNAME"] = application_name(run_id)
    # No PGOPTIONS: PgBouncer (and so a session-mode pooler in front of the database) refuses the
    # `options` startup parameter. The restore script psql runs sets client_connection_check_interval
    # itself (sql/rollback/full_drop.sql), so a psql killed with the server still ends its backend.
    return make_conninfo(**params), env


# -- sql/ files ------------------------------------------------------------------------------------


@cache
def sql_text(relative: str) -> str:
    """The text of sql/<relative>; every statement the tools run comes from these files."""
    return resources.resource("sql", relative).read_text(encoding="utf-8")


@contextmanager
def sql_path(relative: str) -> Iterator[Path]:
    """sql/<relative> as a file on disk for the duration (for a child process such as psql)."""
    with as_file(resources.resource("sql", relative)) as path:
        yield path


def sql_file(relative: str) -> sql.SQL:
    """A file's text as a psycopg SQL object (trusted: it ships with the package)."""
    return sql.SQL(sql_text(relative))


def sql_checksums() -> dict[str, str]:
    """sha256 of every file under sql/, keyed by relative path, for preflight to pin in the journal."""
    return {
        name: hashlib.sha256(file.read_bytes()).hexdigest() for name, file in resources.walk("sql", ".sql")
    }


def split_statements(text: str) -> list[str]:
    """Split a file into single statements (for what must run one per execute, e.g. concurrent builds)."""
    return [stmt.strip() for stmt in pglast.split(text) if stmt.strip()]


def render(conn: Conn, query: sql.SQL | sql.Composed | LiteralString, params: Any = None) -> str:
    """The exact text a statement runs as (identifiers quoted, parameters bound client-side): dry-run
    plans show this, so what is shown is what runs."""
    with psycopg.ClientCursor(conn) as cur:
        return cur.mogrify(query, params)


def query_all(
    conn: Conn, query: sql.SQL | sql.Composed | LiteralString, params: Any = None
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else []


def query_one(
    conn: Conn, query: sql.SQL | sql.Composed | LiteralString, params: Any = None
) -> dict[str, Any] | None:
    rows = query_all(conn, query, params)
    return rows[0] if rows else None
