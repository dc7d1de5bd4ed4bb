"""The client tools (pg_dump, pg_restore, psql) a run uses against a server, as a preflight check."""

from __future__ import annotations

from server import pgbin
from server.errors import EmbeddedPgError
from tools.results import Check
from tools.step import check


def client_tools_check(env: str, server_major: int) -> tuple[Check, dict[str, str]]:
    """The check naming each client tool chosen for this server (version, source, path), and the
    same as {tool: description} for the report; a FAIL naming what to install when one is missing."""
    name = f"{env}: client tools for PostgreSQL {server_major} (pg_dump, pg_restore, psql)"
    expected = f"each of PostgreSQL {server_major} or newer"
    try:
        tools = pgbin.client_tools(server_major)
    except EmbeddedPgError as exc:
        return check(name, expected, str(exc), passed=False), {}
    described = {tool: chosen.describe() for tool, chosen in tools.items()}
    return check(name, expected, "; ".join(described.values()), passed=True), described
