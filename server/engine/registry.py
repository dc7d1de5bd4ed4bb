"""Every tool by name: the function the guard runs, the result model the MCP layer returns, and the
SQL files it needs (preflight checks they are present and pins their checksums)."""

from __future__ import annotations

from dataclasses import dataclass

from server.engine.guard import Executor, Guard
from server.settings import Settings
from tools import apply_indexes, apply_rls, backup, fix_combos, preflight, rollback, validate
from tools.results import (
    ApplyIndexesResult,
    ApplyRlsResult,
    BackupResult,
    FixCombosResult,
    PreflightResult,
    RollbackResult,
    TicketResult,
    ValidateResult,
)


@dataclass(frozen=True)
class ToolSpec:
    run: Executor
    result: type[TicketResult]
    sql_files: tuple[str, ...]


TOOLS: dict[str, ToolSpec] = {
    "preflight": ToolSpec(preflight.run, PreflightResult, preflight.SQL_FILES),
    "backup": ToolSpec(backup.run, BackupResult, backup.SQL_FILES),
    "apply_indexes": ToolSpec(apply_indexes.run, ApplyIndexesResult, apply_indexes.SQL_FILES),
    "apply_rls": ToolSpec(apply_rls.run, ApplyRlsResult, apply_rls.SQL_FILES),
    "fix_combos": ToolSpec(fix_combos.run, FixCombosResult, fix_combos.SQL_FILES),
    "validate": ToolSpec(validate.run, ValidateResult, validate.SQL_FILES),
    "rollback": ToolSpec(rollback.run, RollbackResult, rollback.SQL_FILES),
}


def executors() -> dict[str, Executor]:
    return {name: spec.run for name, spec in TOOLS.items()}


def result_models() -> dict[str, type[TicketResult]]:
    return {name: spec.result for name, spec in TOOLS.items()}


def make_guard(settings: Settings) -> Guard:
    """The guard with every real tool: what the server, the operator commands and the tests use."""
    return Guard(settings, executors(), result_models=result_models())
