"""Every tool by name: the function the guard runs, the result model the MCP layer returns, and the
SQL files it needs (preflight checks they are present and pins their checksums)."""

from __future__ import annotations

from dataclasses import dataclass

from server.guard import Executor
from tools import backup, preflight, rollback
from tools.results import BackupResult, PreflightResult, RollbackResult, TicketResult


@dataclass(frozen=True)
class ToolSpec:
    run: Executor
    result: type[TicketResult]
    sql_files: tuple[str, ...]


TOOLS: dict[str, ToolSpec] = {
    "preflight": ToolSpec(preflight.run, PreflightResult, preflight.SQL_FILES),
    "backup": ToolSpec(backup.run, BackupResult, backup.SQL_FILES),
    "rollback": ToolSpec(rollback.run, RollbackResult, rollback.SQL_FILES),
}


def executors() -> dict[str, Executor]:
    return {name: spec.run for name, spec in TOOLS.items()}
